import { Logger } from '@nestjs/common';
import type { LogLevel as NestLogLevel } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { pino } from 'pino';
import type { DestinationStream, Level, Logger as Pino } from 'pino';
import { pinoHttp, startTime } from 'pino-http';
import type { LogLevel } from '../config/app-config.js';
import { PINO_LEVEL } from '../logging/json-logger.js';
import { withRequestId } from '../logging/request-context.js';

/**
 * Probes and scrapes come every few seconds from orchestrators and collectors: a line each would bury
 * the requests people make, so they are logged at debug.
 */
const QUIET_ROUTES = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/**
 * The route pattern that served the request (`/tasks/:id`), never the path the client sent: that holds
 * task ids and whatever a prober typed. Null when no route matched (a 404, or refused before routing).
 */
function routeOf(request: Request): string | null {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${request.baseUrl}${path}` : null;
}

/** The request's summary, also the text line: `GET /tasks/:id 200 3 ms key=1a2b3c4d`. */
function describe(request: Request, response: ServerResponse, durationMs: number): string {
  const status = response.writableEnded ? String(response.statusCode) : 'aborted';
  const key = request.apiKeyId === undefined ? '' : ` key=${request.apiKeyId}`;
  return `${request.method} ${routeOf(request) ?? '(no route)'} ${status} ${durationMs} ms${key}`;
}

/** The request line's fields; `reqId` comes from the request's child logger. */
function fields(request: Request, response: ServerResponse, durationMs: number): Record<string, unknown> {
  return {
    method: request.method,
    route: routeOf(request),
    status: response.statusCode,
    durationMs,
    ...(request.apiKeyId === undefined ? {} : { keyId: request.apiKeyId }),
  };
}

/**
 * One line per request, when its response ends (pino-http): method, route pattern, status, duration,
 * request id (`reqId`, set by the request-id middleware, which runs first) and the API key's id
 * (`keyId`, never the key; no header is logged at all). At info; health checks and /metrics at debug;
 * 5xx at error. JSON lines go to `json`'s pino (LOG_FORMAT=json); without it, the same line goes
 * through Nest's text logger.
 */
export function requestLog(level: LogLevel, json?: Pino): RequestHandler {
  const logger = json ?? pino({ level: PINO_LEVEL[level], base: null, timestamp: false }, textLines());
  const log = pinoHttp<Request, ServerResponse>({
    logger,
    quietReqLogger: true,
    quietResLogger: true,
    wrapSerializers: false,
    // Bound once per request even though quiet: keep that cheap and free of headers.
    serializers: { req: (request: IncomingMessage) => ({ method: request.method }) },
    customLogLevel: (request, response, error): Level => {
      if (error || response.statusCode >= 500) return 'error';
      return QUIET_ROUTES.has(routeOf(request) ?? '') ? 'debug' : 'info';
    },
    customSuccessMessage: (request, response, durationMs) => describe(request, response, durationMs),
    // pino-http gives the error message no duration (types and all): it keeps the start on the response.
    customErrorMessage: (request, response) => describe(request, response, Date.now() - response[startTime]),
    customSuccessObject: (request, response, line: { responseTime: number }) =>
      fields(request, response, line.responseTime),
    customErrorObject: (request, response, _error, line: { responseTime: number }) =>
      fields(request, response, line.responseTime),
  });
  return (request, response, next) => log(request, response, next);
}

const NEST_METHOD: Record<number, NestLogLevel> = {
  10: 'verbose',
  20: 'debug',
  30: 'log',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * LOG_FORMAT=text: each request line as Nest's readable text (`LOG [HTTP] GET /tasks/:id 200 3 ms`),
 * under its request's id, which the text logger appends.
 */
function textLines(): DestinationStream {
  const http = new Logger('HTTP');
  return {
    write(line: string): void {
      const { level, msg, reqId } = JSON.parse(line) as { level: number; msg: string; reqId?: string };
      withRequestId(reqId ?? null, () => http[NEST_METHOD[level] ?? 'log'](msg));
    },
  };
}
