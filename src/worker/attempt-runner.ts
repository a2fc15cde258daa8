import type { Logger } from '@nestjs/common';
import type { TaskProgress } from '../task-store/task.js';
import { ProgressReporter } from './progress-reporter.js';
import type { TaskAbortReason } from './task-abort-reason.js';
import { isTerminable } from '../task-types/task-handler.js';
import type { TaskContext, TaskHandler } from '../task-types/task-handler.js';
import type { HandlerOutcome, RunningAttempt } from './running-attempt.js';

/**
 * How long an isolated handler's run() may take to settle after its thread was terminated. Terminating
 * stops JavaScript at once, but a thread inside a native call ends only when that call returns; past this,
 * the attempt is abandoned like an inline handler that ignores its signal.
 */
export const TERMINATE_TIMEOUT_MS = 2_000;

export interface RunAttemptOptions {
  /** How long an aborted handler has to end (CANCEL_GRACE_MS). */
  cancelGraceMs: number;
  logger: Logger;
  /** Stores this attempt's progress, fenced by its holder; resolves false once the attempt is no longer held. */
  saveProgress: (progress: TaskProgress) => Promise<boolean>;
}

/**
 * Runs one attempt's handler until it settles, with the task's timeout. Once the attempt is aborted its
 * handler has `cancelGraceMs` to end (no time at all for a shutdown: the task is handed back anyway).
 * After that an isolated handler's thread is terminated, and run() settles once it is gone; an inline
 * handler is abandoned, so a handler that ignores its signal never holds a slot or a stop forever.
 */
export async function runAttempt(
  attempt: RunningAttempt,
  handler: TaskHandler,
  { cancelGraceMs, logger, saveProgress }: RunAttemptOptions,
): Promise<HandlerOutcome> {
  const { task, signal } = attempt;
  const progress = new ProgressReporter({
    save: saveProgress,
    onError: (error) => logger.warn(`task ${task.id}: could not store its progress: ${(error as Error)?.message}`),
  });
  const context: TaskContext = {
    task,
    signal,
    reportProgress: (percent, message) => progress.report(percent, message),
  };
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
      const abandon = (): void => {
        abandoned = true;
        if (graceMs > 0) {
          logger.warn(`task ${task.id} (${task.type}) ignored its abort signal for ${graceMs} ms; abandoning it`);
        }
        reject(reason);
      };
      graceTimer = setTimeout(() => {
        if (!isTerminable(handler)) return abandon();
        if (graceMs > 0) {
          logger.warn(
            `task ${task.id} (${task.type}) ignored its abort signal for ${graceMs} ms; terminating its thread`,
          );
        }
        handler.terminate(context);
        graceTimer = setTimeout(abandon, TERMINATE_TIMEOUT_MS);
      }, graceMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return { ok: true, value: await Promise.race([handler.run(task.payload, context), abandonment]) };
  } catch (error) {
    return { ok: false, error, abandoned };
  } finally {
    progress.close();
    clearTimeout(timeout);
    clearTimeout(graceTimer);
    signal.removeEventListener('abort', onAbort);
  }
}
