import { Global, Module } from '@nestjs/common';
import { ApiKeyGuard } from './api-key.guard.js';

/** API keys, for the controllers that opt in with @UseGuards(ApiKeyGuard). */
@Global()
@Module({ providers: [ApiKeyGuard], exports: [ApiKeyGuard] })
export class AuthModule {}
