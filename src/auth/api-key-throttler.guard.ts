import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/**
 * Rate limits per API key when one is sent (many clients may share an address), else per address. The
 * key is hashed so it is never held in the limiter's memory as it is.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const authorization = (request.headers as Record<string, string | undefined>).authorization;
    if (authorization) return Promise.resolve(`key:${createHash('sha256').update(authorization).digest('hex')}`);
    return Promise.resolve(`ip:${String(request.ip)}`);
  }
}
