import type { Task, TaskStatus } from './types.js';

/** The longest wait the server takes in one request (`?wait=` is 0 to 60000 ms). */
export const MAX_WAIT_SLICE_MS = 60_000;

const TERMINAL: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

export const isTerminal = (task: Task): boolean => TERMINAL.includes(task.status);

/** One long-poll request: the task once it is terminal, or as it stands after `waitMs`. */
export type WaitingRead = (waitMs: number) => Promise<Task>;

/**
 * Long-polls until the task is terminal or `timeoutMs` has passed, and returns it as it is then. The first
 * request is `first` (a read, or the submission itself); each next one reads the task again, every request
 * asking the server to hold it for what is left of the time, at most MAX_WAIT_SLICE_MS.
 */
export async function waitUntilTerminal(
  timeoutMs: number,
  first: WaitingRead,
  next: (task: Task) => WaitingRead,
): Promise<Task> {
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`timeoutMs must be a number of milliseconds from 0, got ${timeoutMs}`);
  }
  const deadline = Date.now() + timeoutMs;
  const slice = (): number => Math.min(MAX_WAIT_SLICE_MS, Math.max(0, Math.ceil(deadline - Date.now())));
  let task = await first(slice());
  while (!isTerminal(task) && Date.now() < deadline) task = await next(task)(slice());
  return task;
}
