import type { Logger } from '@nestjs/common';
import type { TaskAbortReason } from './task-abort-reason.js';
import type { TaskHandler } from './task-handler.js';
import type { HandlerOutcome, RunningAttempt } from './running-attempt.js';

/**
 * Runs one attempt's handler until it settles, with the task's timeout. Once the attempt is aborted its
 * handler has `cancelGraceMs` to end (no time at all for a shutdown: the task is handed back anyway);
 * after that it is abandoned, so a handler that ignores its signal never holds a slot or a stop forever.
 */
export async function runAttempt(
  attempt: RunningAttempt,
  handler: TaskHandler,
  { cancelGraceMs, logger }: { cancelGraceMs: number; logger: Logger },
): Promise<HandlerOutcome> {
  const { task, signal } = attempt;
  const timeout =
    task.timeoutMs === null
      ? undefined
      : setTimeout(() => attempt.abort('timeout', `timed out after ${task.timeoutMs} ms`), task.timeoutMs);
  let graceTimer: NodeJS.Timeout | undefined;
  let abandoned = false;
  let onAbort = (): void => undefined;
  const abandonment = new Promise<never>((_, reject) => {
    onAbort = () => {
      const reason = signal.reason as TaskAbortReason;
      const graceMs = reason.kind === 'shutdown' ? 0 : cancelGraceMs;
      graceTimer = setTimeout(() => {
        abandoned = true;
        if (graceMs > 0) {
          logger.warn(`task ${task.id} (${task.type}) ignored its abort signal for ${graceMs} ms; abandoning it`);
        }
        reject(reason);
      }, graceMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return { ok: true, value: await Promise.race([handler.run(task.payload, { task, signal }), abandonment]) };
  } catch (error) {
    return { ok: false, error, abandoned };
  } finally {
    clearTimeout(timeout);
    clearTimeout(graceTimer);
    signal.removeEventListener('abort', onAbort);
  }
}
