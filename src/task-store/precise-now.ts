/**
 * Now, in ms since the epoch with a fraction: when a handler started from a claim buffer, written after
 * the fact (handlerStartedAt in sql/shared.sql.ts), so that handlers started a millisecond apart keep
 * their order in `startedAt` (Date.now() is whole milliseconds). The fraction comes from the monotonic
 * clock, which drifts from the wall clock over a long uptime: past a millisecond apart, the wall clock wins.
 */
export function preciseNow(): number {
  const wall = Date.now();
  const fine = performance.timeOrigin + performance.now();
  return Math.abs(fine - wall) < 1 ? fine : wall;
}
