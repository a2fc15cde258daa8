import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '../config/app-config.js';
import { ApiKeyThrottlerGuard } from './api-key-throttler.guard.js';

/**
 * THROTTLE_LIMIT requests per THROTTLE_TTL_MS on every route, per API key or address (@nestjs/throttler,
 * in memory, so per replica). app.setup.ts imports this file only when the limit is on: @nestjs/throttler
 * is CommonJS requiring the ESM-only @nestjs packages, which Node 20 allows but Jest's module sandbox
 * does not, so the in-process tests run without it and the rate limit is tested on a real process.
 */
@Module({})
export class RateLimitModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: RateLimitModule,
      imports: [ThrottlerModule.forRoot([{ ttl: config.throttleTtlMs, limit: config.throttleLimit }])],
      providers: [{ provide: APP_GUARD, useClass: ApiKeyThrottlerGuard }],
    };
  }
}
