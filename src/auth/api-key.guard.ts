import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { apiKeyId } from './api-key-id.js';
import { ApiKeys } from './api-keys.js';

/**
 * With API_KEYS configured, a request passes only with `Authorization: Bearer <one of the keys>`, else 401.
 * Without keys the API is open (start-up refuses that in production unless AUTH_DISABLED=true).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ApiKeys;
  private readonly keyIds: string[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = new ApiKeys(config.apiKeys);
    this.keyIds = config.apiKeys.map(apiKeyId);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.keys.required) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const { authorization } = request.headers;
    const matched = this.keys.indexOf(authorization);
    if (matched !== undefined) {
      request.apiKeyId = this.keyIds[matched]; // for the request's log line
      return true;
    }
    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
    throw new UnauthorizedException(
      ApiKeys.presented(authorization) === undefined
        ? 'send an API key as Authorization: Bearer <key>'
        : 'the API key is not valid',
    );
  }
}
