import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { isDatabaseUnavailable, isUnstorableJson } from '../database/database-errors.js';
import type { Task, TaskError } from '../task-store/task.js';
import { TaskMetrics } from '../metrics/task-metrics.js';
import { TaskRepository } from '../task-store/task.repository.js';
import { OutcomeBatcher } from './outcome-batcher.js';
import { describeOutcome } from '../task-store/outcome-log.js';
import { retryDelayMs } from './retry-backoff.js';
import type { HandlerOutcome, RunningAttempt } from './running-attempt.js';

const WRITE_RETRY_MIN_MS = 100;
const WRITE_RETRY_MAX_MS = 5000;

/**
 * Writes what an attempt came to, fenced by its holder and attempt number, and logs it: the "task result"
 * line of the original TaskSystem. While the database is unreachable it keeps retrying, for as long as
 * the lease would last; after that the task is no longer ours to write.
 */
@Injectable()
export class TaskOutcomeWriter {
  private readonly logger = new Logger(TaskOutcomeWriter.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: TaskRepository,
    private readonly metrics: TaskMetrics,
    private readonly outcomes: OutcomeBatcher,
  ) {}

  async write(attempt: RunningAttempt, outcome: HandlerOutcome): Promise<void> {
    const { task, held } = attempt;
    if (attempt.abortKind === 'lease-lost') {
      this.logger.warn(`task ${task.id}: lease lost to another replica; its outcome is not written`);
      return;
    }
    let written: Task | undefined;
    try {
      written = await this.retryWhileUnavailable(task.id, () => this.store(attempt, outcome));
    } catch (error) {
      this.logger.error(`task ${task.id}: could not write its outcome: ${(error as Error).message}`);
      return;
    }
    const durationMs = Date.now() - attempt.startedAt;
    if (written) this.metrics.recordOutcome(written, durationMs);
    if (!written) {
      this.logger.warn(
        `task ${task.id}: attempt ${held.attempt} is no longer held by ${held.workerId}; outcome dropped`,
      );
    } else if (attempt.abortKind === 'shutdown' && written.status === 'queued') {
      this.logger.log(`task ${task.id} (${task.type}) handed back to the queue after ${durationMs} ms: shutting down`);
    } else if (written.status === 'failed') {
      this.logger.error(describeOutcome(written, durationMs), outcome.ok ? undefined : (outcome.error as Error)?.stack);
    } else {
      this.logger.log(describeOutcome(written, durationMs));
    }
  }

  /** One try at the write that fits the outcome. Returns the task as written, or undefined if no longer ours. */
  private async store(attempt: RunningAttempt, outcome: HandlerOutcome): Promise<Task | undefined> {
    const { held, signal } = attempt;
    if (attempt.abortKind === 'shutdown') return this.tasks.release(held);
    if (attempt.abortKind === 'timeout') {
      return this.fail(attempt, toTaskError(signal.reason), outcome.ok ? false : outcome.abandoned);
    }
    if (!outcome.ok) return this.fail(attempt, toTaskError(outcome.error), outcome.abandoned);
    try {
      // JSON.stringify throws a TypeError for a BigInt or a cycle; jsonb refuses text with \u0000.
      const resultJson = JSON.stringify(outcome.value ?? null) ?? 'null';
      return await this.outcomes.write({ held, ok: true, resultJson });
    } catch (error) {
      if ((error as Error)?.name !== 'TypeError' && !isUnstorableJson(error)) throw error;
      return this.fail(attempt, { message: `could not store the result: ${(error as Error).message}` }, false);
    }
  }

  /**
   * An abandoned attempt may still be running in this process: retrying it could run the task twice at
   * once, so it fails for good instead (a stop still turns it `cancelled`).
   */
  private fail(attempt: RunningAttempt, error: TaskError, abandoned: boolean): Promise<Task | undefined> {
    if (abandoned)
      error = { ...error, message: `${error.message}; the handler ignored its abort signal, so it is not retried` };
    return this.outcomes.write({
      held: attempt.held,
      ok: false,
      errorJson: JSON.stringify(error),
      retryDelayMs: retryDelayMs(attempt.task.attempt, this.config.retryBaseMs, this.config.retryMaxMs),
      doNotRetry: abandoned,
    });
  }

  /** Retries `write` while the database is unreachable, until the lease would have run out. */
  private async retryWhileUnavailable<T>(taskId: string, write: () => Promise<T>): Promise<T> {
    const giveUpAt = Date.now() + this.config.leaseMs;
    for (let delay = WRITE_RETRY_MIN_MS; ; delay = Math.min(delay * 2, WRITE_RETRY_MAX_MS)) {
      try {
        return await write();
      } catch (error) {
        if (!isDatabaseUnavailable(error) || Date.now() + delay > giveUpAt) throw error;
        this.logger.warn(`task ${taskId}: database unavailable, retrying the outcome write in ${delay} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

function toTaskError(error: unknown): TaskError {
  if (error instanceof Error) return { message: error.message || error.name, name: error.name };
  return { message: String(error) };
}
