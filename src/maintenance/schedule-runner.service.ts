import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { TaskMetrics } from '../metrics/task-metrics.js';
import { CronSchedule, planOccurrence } from '../schedules/cron-schedule.js';
import { occurrenceKey } from '../schedules/schedule.js';
import { SchedulesRepository } from '../schedules/schedules.repository.js';
import type { ClaimedSchedules, DueSchedule } from '../schedules/schedules.repository.js';
import { traceSubmission } from '../tracing/submission-tracing.js';
import type { PeriodicJob } from './periodic-job.js';

/** Schedules claimed per transaction; a bigger backlog is worked through in further rounds at once. */
const CLAIM_BATCH = 50;
/** Wake this long after the next run, so the database's clock (which decides) has surely reached it. */
const DUE_MARGIN_MS = 2;
/** A schedule whose next run cannot be computed (it was checked when declared: this should not happen) is retried after this. */
const UNPLANNABLE_RETRY_MS = 60 * 60 * 1000;

/**
 * Fires the schedules that are due, on every replica (API-only ones included: submitting a task needs no
 * worker slot). It wakes at the earliest next run, and at least every POLL_INTERVAL_MS to see schedules
 * created or changed on other replicas. Exactly one replica submits each occurrence: see
 * SchedulesRepository.claimDue and docs/schedules.md.
 */
@Injectable()
export class ScheduleRunner implements PeriodicJob {
  readonly name = 'schedule-runner';
  readonly enabled = true;
  readonly runsAtStart = true;
  private readonly logger = new Logger(ScheduleRunner.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: SchedulesRepository,
    private readonly metrics: TaskMetrics,
  ) {}

  get intervalMs(): number {
    return this.config.pollIntervalMs;
  }

  /** Fires what is due, then sleeps until the next schedule is due, or at most POLL_INTERVAL_MS. */
  async runOnce(): Promise<{ nextInMs?: number }> {
    await this.fireDue();
    const untilDue = await this.repository.msUntilNextDue();
    return untilDue === null ? {} : { nextInMs: Math.ceil(untilDue) + DUE_MARGIN_MS };
  }

  /** One round of claims; returns how many due schedules it handled. */
  async fireDue(): Promise<number> {
    let handled = 0;
    for (;;) {
      const { count, events } = await this.repository.claimDue(CLAIM_BATCH, async (claimed) => {
        const events: (() => void)[] = [];
        for (const schedule of claimed.due) events.push(await this.fire(schedule, claimed));
        return { count: claimed.due.length, events };
      });
      // Logged and counted once committed: a rolled-back pass submitted nothing.
      for (const report of events) report();
      handled += count;
      if (count < CLAIM_BATCH) return handled;
    }
  }

  /**
   * Handles one claimed schedule inside the claim's transaction: submits its occurrence (or skips it, for
   * overlap `skip`) and advances it. Returns what to log once the transaction has committed.
   */
  private async fire(schedule: DueSchedule, claimed: ClaimedSchedules): Promise<() => void> {
    const { name } = schedule;
    let plan;
    try {
      plan = planOccurrence(new CronSchedule(schedule.cron, schedule.timezone), schedule.nextRunAt, schedule.now);
    } catch (error) {
      const retryAt = new Date(schedule.now.getTime() + UNPLANNABLE_RETRY_MS);
      await claimed.advance(name, retryAt, null);
      return () =>
        this.logger.error(
          `schedule ${name}: cannot compute its occurrences (${(error as Error).message}); retrying at ${retryAt.toISOString()}`,
        );
    }
    const { occurrence, nextRunAt } = plan;
    const missed = plan.missedEarlier
      ? `missed the occurrences from ${schedule.nextRunAt.toISOString()}, submitting only the latest; `
      : '';

    if (schedule.overlap === 'skip' && schedule.previousActive) {
      await claimed.advance(name, nextRunAt, null);
      return () =>
        this.logger.log(
          `schedule ${name} skipped ${occurrence.toISOString()}: ${missed}the task of its previous occurrence, ${schedule.lastTaskId}, is still queued or running (overlap skip); next run ${nextRunAt.toISOString()}`,
        );
    }

    let task;
    try {
      // Its own trace (no span is active in a periodic job): each occurrence's task is traced from here.
      task = await traceSubmission(
        { queues: [schedule.task.queue], replicaId: this.config.replicaId },
        (traceContext) => claimed.submit(schedule.task, occurrenceKey(name, occurrence), traceContext),
        (submitted) => (submitted ? [submitted.id] : []),
      );
    } catch (error) {
      // Left due, it would fail again at every wake-up. Skipped, the schedule goes on with its next run.
      await claimed.advance(name, nextRunAt, null);
      return () =>
        this.logger.error(
          `schedule ${name} could not submit ${occurrence.toISOString()}, skipped it: ${(error as Error).message}; next run ${nextRunAt.toISOString()}`,
        );
    }
    await claimed.advance(name, nextRunAt, { occurrence, taskId: task?.id ?? null });
    if (!task) {
      return () =>
        this.logger.warn(
          `schedule ${name}: a live task already holds the key of ${occurrence.toISOString()}; not submitted again`,
        );
    }
    return () => {
      this.metrics.submitted.inc({ type: schedule.task.type });
      this.logger.log(
        `schedule ${name} submitted task ${task.id} (${schedule.task.type}) for ${occurrence.toISOString()}; ${missed}next run ${nextRunAt.toISOString()}`,
      );
    };
  }
}
