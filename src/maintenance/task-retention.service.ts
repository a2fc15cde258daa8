import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import type { TaskStatus } from '../task-store/task.js';
import { TaskRepository } from '../task-store/task.repository.js';
import type { PeriodicJob } from './periodic-job.js';

const RETENTION_EVERY_MS = 60_000;
/** Rows deleted per statement: short transactions, little lock time, steady vacuum work. */
const DELETE_BATCH = 1000;

interface RetentionRule {
  statuses: TaskStatus[];
  retentionMs: number;
  /** The variable that sets it, for the log. */
  name: string;
}

/**
 * Deletes finished tasks older than TASK_RETENTION (failed ones: FAILED_TASK_RETENTION, so they can be
 * kept longer, as a dead-letter list), every minute, in small batches. Queued and running tasks are never
 * touched. A retention of 0d keeps those tasks forever; with both at 0d the job does not run.
 */
@Injectable()
export class TaskRetentionService implements PeriodicJob {
  readonly name = 'task-retention';
  readonly intervalMs = RETENTION_EVERY_MS;
  readonly runsAtStart = false;
  private readonly logger = new Logger(TaskRetentionService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: TaskRepository,
  ) {}

  /** What each pass prunes: statuses, and how long after they finished. A zero retention keeps them. */
  private get rules(): RetentionRule[] {
    const rules: RetentionRule[] = [
      { statuses: ['succeeded', 'cancelled'], retentionMs: this.config.taskRetentionMs, name: 'TASK_RETENTION' },
      { statuses: ['failed'], retentionMs: this.config.failedTaskRetentionMs, name: 'FAILED_TASK_RETENTION' },
    ];
    return rules.filter((rule) => rule.retentionMs > 0);
  }

  get enabled(): boolean {
    return this.rules.length > 0;
  }

  async runOnce(): Promise<void> {
    await this.prune();
  }

  /** One pass; returns how many tasks it deleted. */
  async prune(): Promise<number> {
    let total = 0;
    for (const { statuses, retentionMs, name } of this.rules) {
      let deletedHere = 0;
      for (;;) {
        const deleted = await this.tasks.deleteExpiredHistory(retentionMs, DELETE_BATCH, statuses);
        deletedHere += deleted;
        if (deleted < DELETE_BATCH) break;
      }
      if (deletedHere > 0) this.logger.log(`deleted ${deletedHere} ${statuses.join('/')} task(s) older than ${name}`);
      total += deletedHere;
    }
    return total;
  }
}
