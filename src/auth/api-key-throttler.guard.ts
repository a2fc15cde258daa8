import { Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { ApiKeys } from './api-keys.js';

/**
 * Rate limits per API key when a valid one is sent (many clients may share an address), else per address.
 * Only a key the API-key guard would accept earns a budget of its own, named by its place in API_KEYS: a
 * respelled header (`bearer`, tabs) is the same key, and a made-up one is only the address it comes from.
 * So a client cannot escape its limit by varying the header, and the limiter holds at most one entry per
 * configured key and per address (IPv6 addresses by the library's subnet), never one per spelling.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  private readonly keys: ApiKeys;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super(options, storage, reflector);
    this.keys = new ApiKeys(config.apiKeys);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const { authorization } = request.headers as Record<string, string | undefined>;
    const key = this.keys.indexOf(authorization);
    return key === undefined ? `address:${await super.getTracker(request)}` : `key:${key}`;
  }
}
