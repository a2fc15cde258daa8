import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { apiKeyId } from './api-key-id.js';

/** Digests of equal length, so every comparison takes the same time whatever the key sent. */
const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

/**
 * With API_KEYS configured, a request passes only with `Authorization: Bearer <one of the keys>`, else 401.
 * Without keys the API is open (start-up refuses that in production unless AUTH_DISABLED=true).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Buffer[];
  private readonly keyIds: string[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = config.apiKeys.map(digest);
    this.keyIds = config.apiKeys.map(apiKeyId);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.keys.length === 0) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (presented !== undefined) {
      const sent = digest(presented);
      // Compare with every key, not stopping at a match, so the time does not tell which one matched.
      const matches = this.keys.map((key) => timingSafeEqual(key, sent));
      const matched = matches.indexOf(true);
      if (matched >= 0) {
        request.apiKeyId = this.keyIds[matched]; // for the request's log line
        return true;
      }
    }
    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
    throw new UnauthorizedException(
      presented === undefined ? 'send an API key as Authorization: Bearer <key>' : 'the API key is not valid',
    );
  }
}
