import { createHash } from 'node:crypto';

declare module 'express' {
  interface Request {
    /** The id of the API key the request was let in with (ApiKeyGuard): what its log line names. */
    apiKeyId?: string;
  }
}

/**
 * Names an API key in logs without revealing it: the first 8 hex digits of its SHA-256, which an operator
 * computes from the key they hold (`printf %s "$KEY" | sha256sum | cut -c1-8`), whatever the order of
 * API_KEYS and on every replica alike. 32 bits tell a handful of keys apart and give nothing away about
 * a key of 16 or more random characters.
 */
export function apiKeyId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}
