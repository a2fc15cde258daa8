import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request a piece of work is done for, carried through its async calls, so that every log line it
 * causes names the request without each caller passing an id around: an HTTP request's own handling,
 * and a task's attempt (which runs under the id of the request that submitted it). Both loggers
 * (JsonLogger, TextLogger) add it to each line.
 */
const storage = new AsyncLocalStorage<string>();

/** Runs `work` as part of request `requestId`; with null, as part of no request. */
export function withRequestId<T>(requestId: string | null, work: () => T): T {
  return requestId === null ? storage.exit(work) : storage.run(requestId, work);
}

/** The id of the request the current code runs for, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore();
}

/**
 * Runs `work` as part of no request. For shared machinery started lazily (a timer, a batch, a claim
 * round): it serves every request and task, and would otherwise name forever the one that started it.
 */
export function outsideAnyRequest<T>(work: () => T): T {
  return storage.exit(work);
}
