import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { isDatabaseUnavailable, isRefusedValue } from '../database/database-errors.js';
import type { TaskError } from '../task-store/task.js';
import { TaskMetrics } from '../metrics/task-metrics.js';
import { TaskRepository } from '../task-store/task.repository.js';
import type { AttemptOutcome, WrittenOutcome } from '../task-store/task.repository.js';
import { OutcomeBatcher } from './outcome-batcher.js';
import { describeOutcome } from '../task-store/outcome-log.js';
import { preciseNow } from '../task-store/precise-now.js';
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

  /** Returns the task as written, or undefined when nothing was (no longer held, or the write failed). */
  async write(attempt: RunningAttempt, outcome: HandlerOutcome): Promise<WrittenOutcome | undefined> {
    const { task, held } = attempt;
    if (attempt.abortKind === 'lease-lost') {
      this.logger.warn(`task ${task.id}: lease lost to another replica; its outcome is not written`);
      return undefined;
    }
    let written: WrittenOutcome | undefined;
    try {
      written = await this.retryWhileUnavailable(task.id, () => this.store(attempt, outcome));
    } catch (error) {
      this.logger.error(`task ${task.id}: could not write its outcome: ${(error as Error).message}`);
      return undefined;
    }
    // On the clock startedAt was read from (preciseNow), never below 0.
    const durationMs = Math.max(0, Math.round(preciseNow() - attempt.startedAt));
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
    return written;
  }

  /** One try at the write that fits the outcome. Returns the task as written, or undefined if no longer ours. */
  private async store(attempt: RunningAttempt, outcome: HandlerOutcome): Promise<WrittenOutcome | undefined> {
    const { held, signal } = attempt;
    if (attempt.abortKind === 'shutdown') return this.tasks.release(held);
    if (attempt.abortKind === 'timeout') {
      return this.failUnlessAbandoned(attempt, toTaskError(signal.reason), outcome.ok ? false : outcome.abandoned);
    }
    if (!outcome.ok) return this.failUnlessAbandoned(attempt, toTaskError(outcome.error), outcome.abandoned);
    return this.succeed(attempt, outcome.value);
  }

  /**
   * Stores a handler's result. One that cannot be stored — JSON.stringify throws (a BigInt, a cycle, a toJSON
   * that throws, nesting too deep) or PostgreSQL refuses the value (\u0000, a jsonb too large) — fails the
   * task for good, saying why: its handler has done its work, and running it again would redo that work
   * only to return the same value. A retry stays one `POST /tasks/:id/retry` away once the handler is fixed.
   */
  private async succeed(attempt: RunningAttempt, value: unknown): Promise<WrittenOutcome | undefined> {
    let resultJson: string;
    try {
      resultJson = JSON.stringify(value ?? null) ?? 'null'; // undefined for a function or a symbol: no result
    } catch (error) {
      return this.fail(attempt, unstorableResult(error), true);
    }
    try {
      return await this.outcomes.write({ held: attempt.held, ...startWithOutcome(attempt), ok: true, resultJson });
    } catch (error) {
      if (!isRefusedValue(error)) throw error;
      return this.fail(attempt, unstorableResult(error), true);
    }
  }

  /**
   * An abandoned attempt may still be running in this process: retrying it could run the task twice at
   * once, so it fails for good instead (a stop still turns it `cancelled`).
   */
  private failUnlessAbandoned(
    attempt: RunningAttempt,
    error: TaskError,
    abandoned: boolean,
  ): Promise<WrittenOutcome | undefined> {
    if (!abandoned) return this.fail(attempt, error, false);
    const message = `${error.message}; the handler ignored its abort signal, so it is not retried`;
    return this.fail(attempt, { ...error, message }, true);
  }

  /** Fails the attempt: the task is retried after a backoff while attempts remain, unless `doNotRetry`. */
  private fail(attempt: RunningAttempt, error: TaskError, doNotRetry: boolean): Promise<WrittenOutcome | undefined> {
    return this.outcomes.write({
      held: attempt.held,
      ...startWithOutcome(attempt),
      ok: false,
      errorJson: JSON.stringify(error),
      retryDelayMs: retryDelayMs(attempt.task.attempt, this.config.retryBaseMs, this.config.retryMaxMs),
      doNotRetry,
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

/**
 * The error of a result that could not be stored, on one line: V8 spreads a cycle's path over several, and
 * PostgreSQL's detail names the culprit (`\u0000 cannot be converted to text.`).
 */
function unstorableResult(error: unknown): TaskError {
  const { message, detail } = error as { message?: unknown; detail?: unknown };
  const why = `${String(message)}${typeof detail === 'string' && detail ? ` (${detail})` : ''}`;
  return { message: `could not store the result: ${why.replace(/\s*\n\s*/g, ' ')}` };
}

/** When its start is written with its outcome: the buffering it started from, and when its handler started. */
function startWithOutcome(attempt: RunningAttempt): Pick<AttemptOutcome, 'startedFrom'> {
  return attempt.startGoesWithOutcome && attempt.buffering !== undefined
    ? { startedFrom: { buffering: attempt.buffering, startedAt: attempt.startedAt } }
    : {};
}

function toTaskError(error: unknown): TaskError {
  if (error instanceof Error) return { message: error.message || error.name, name: error.name };
  return { message: String(error) };
}
