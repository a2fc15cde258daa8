/**
 * The `cpu` task type's work, run in a worker thread (see cpu.handler.ts). It never yields, so its own
 * AbortSignal cannot fire while it runs (an abort arrives as a message, which needs the thread's event
 * loop): it ignores the signal on purpose, and only terminating the thread ends it early. Progress still
 * flows, because posting a message does not need the event loop.
 */
import type { TaskContext } from '../task-types/task-handler.js';

/** Rounds of work between two looks at the clock: cheap enough not to skew `ms`, long enough to count. */
const ROUNDS_PER_CHECK = 10_000;

export function run({ ms }: { ms: number }, { reportProgress }: TaskContext): { iterations: number } {
  const startedAt = performance.now();
  let iterations = 0;
  let state = 1;
  let reportedPercent = -1;
  for (let elapsed = 0; elapsed < ms; elapsed = performance.now() - startedAt) {
    for (let round = 0; round < ROUNDS_PER_CHECK; round++) {
      // xorshift32: real work whose result is used below, so the compiler cannot drop the loop.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
    }
    iterations += ROUNDS_PER_CHECK;
    const percent = Math.floor((elapsed / ms) * 100);
    if (percent > reportedPercent) {
      reportedPercent = percent;
      reportProgress(percent, `${iterations} iterations`);
    }
  }
  if (state === 0) throw new Error('xorshift reached 0, which it never does'); // keeps `state` alive
  return { iterations };
}
