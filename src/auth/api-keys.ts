import { createHash, timingSafeEqual } from 'node:crypto';

/** Digests of equal length, so every comparison takes the same time whatever the key sent. */
const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

/**
 * The configured API keys, and which of them an `Authorization` header carries. The API-key guard and
 * the rate limit both ask here, so they read a header the same way: `Bearer` in any case, then the key,
 * with any spaces or tabs around it.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** False when no key is configured: the API is open. */
  get required(): boolean {
    return this.digests.length > 0;
  }

  /** The key an `Authorization` header presents, valid or not; undefined when it presents none. */
  static presented(authorization: string | undefined): string | undefined {
    return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  }

  /**
   * The position in the configuration of the key this header carries, or undefined when it carries no
   * valid one. Compared with every key, not stopping at a match, so the time does not tell which one matched.
   */
  indexOf(authorization: string | undefined): number | undefined {
    const presented = ApiKeys.presented(authorization);
    if (presented === undefined) return undefined;
    const sent = digest(presented);
    const matches = this.digests.map((key) => timingSafeEqual(key, sent));
    const index = matches.indexOf(true);
    return index === -1 ? undefined : index;
  }
}
