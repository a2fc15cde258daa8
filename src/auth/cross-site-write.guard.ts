import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';

/** Methods that change nothing: a page anywhere may send them (the browser keeps it from reading the answer). */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a browser says of where a request comes from; `Sec-Fetch-*` and `Origin` cannot be set by a page's script. */
type Provenance = Pick<Request, 'method' | 'headers'> & { host?: string };

/**
 * Why a write is refused as coming from a browser page on another origin, or undefined when it may go on.
 *
 * A page on any site can make its visitor's browser POST here without a CORS preflight: an HTML form, or
 * a fetch with a text/plain body (which the service reads as JSON, for `curl -d`). With no API key there
 * is nothing such a page cannot do. So a write passes when a browser says it comes from this service's
 * own page (`Sec-Fetch-Site: same-origin`, or `none`: typed by the user), or from an origin CORS_ORIGINS
 * lists; a browser too old to send Sec-Fetch-Site is judged by its `Origin` against the Host it asked
 * for. A request with neither header is not from a browser (curl, SDKs, other services) and passes.
 * The scheme is not compared: behind a TLS-terminating proxy the service sees http while the page is on
 * https, and a page on the same host and port is this service's own either way.
 */
export function crossSiteWriteRefusal(request: Provenance, allowedOrigins: readonly string[]): string | undefined {
  if (READS.has(request.method)) return undefined;
  const origin = single(request.headers.origin);
  const site = single(request.headers['sec-fetch-site']);
  if (origin !== undefined && allowedOrigins.includes(origin)) return undefined;
  if (site === 'same-origin' || site === 'none') return undefined;
  if (site === undefined && (origin === undefined || isOwnHost(origin, request.host))) return undefined;
  const page =
    origin === undefined
      ? `a browser page on another site (Sec-Fetch-Site: ${site})`
      : origin === 'null'
        ? 'a browser page with no origin of its own (Origin: null)'
        : `a browser page on ${origin}`;
  return `${page} may not write here while the API needs no key: only the service's own pages and the origins in CORS_ORIGINS may`;
}

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.join(',') : value;

function isOwnHost(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // `null` (sandboxed frames, file://) or not a URL at all: no origin to trust
  }
}

/**
 * Refuses, with 403, writes from browser pages on other origins while the API is open (no API key).
 * With keys the bearer key decides alone: a page cannot add an Authorization header to a cross-origin
 * request without a preflight, which only CORS_ORIGINS pass, and it does not know the key; refusing those
 * requests here as well would only turn away clients an application already trusts with a key.
 * On the REST controllers, so an application embedding TaskSystem gets it too (`settings.corsOrigins`).
 */
@Injectable()
export class CrossSiteWriteGuard implements CanActivate {
  private readonly apiIsOpen: boolean;
  private readonly allowedOrigins: readonly string[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.apiIsOpen = config.apiKeys.length === 0;
    this.allowedOrigins = config.corsOrigins;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.apiIsOpen) return true;
    const refusal = crossSiteWriteRefusal(context.switchToHttp().getRequest<Request>(), this.allowedOrigins);
    if (refusal !== undefined) throw new ForbiddenException(refusal);
    return true;
  }
}
