import { retryDelayMs } from './retry-backoff.js';

describe('retryDelayMs', () => {
  it('doubles with each failed attempt, between half and all of the exponential step', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(retryDelayMs(3, 1000, 60_000, () => 0)).toBe(2000);
    expect(retryDelayMs(3, 1000, 60_000, () => 1)).toBe(4000);
  });

  it('never exceeds the cap', () => {
    expect(retryDelayMs(40, 1000, 60_000, () => 1)).toBe(60_000);
  });
});
