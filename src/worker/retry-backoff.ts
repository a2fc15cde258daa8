/**
 * Delay before attempt `failedAttempt + 1`: exponential from `baseMs`, capped at `maxMs`, with "equal
 * jitter" (a uniform pick between half and all of it) so that tasks that failed together do not all
 * retry in the same instant.
 */
export function retryDelayMs(failedAttempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
