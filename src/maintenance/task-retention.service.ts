import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import type { TaskStatus } from '../task-store/task.js';
import { TaskRepository } from '../task-store/task.repository.js';

const RETENTION_EVERY_MS = 60_000;
/** Rows deleted per statement: short transactions, little lock time, steady vacuum work. */
const DELETE_BATCH = 1000;

/**
 * Deletes finished tasks older than TASK_RETENTION (failed ones: FAILED_TASK_RETENTION, so they can be
 * kept longer, as a dead-letter list), every minute, in small batches. Queued and running tasks are never
 * touched. A retention of 0d keeps those tasks forever.
 */
@Injectable()
export class TaskRetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TaskRetentionService.name);
  private timer: NodeJS.Timeout | undefined;
  private pruning = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: TaskRepository,
  ) {}

  /** What each pass prunes: statuses, and how long after they finished. A zero retention keeps them. */
  private get rules(): { statuses: TaskStatus[]; retentionMs: number; name: string }[] {
    return [
      { statuses: ['succeeded', 'cancelled'], retentionMs: this.config.taskRetentionMs, name: 'TASK_RETENTION' },
      { statuses: ['failed'], retentionMs: this.config.failedTaskRetentionMs, name: 'FAILED_TASK_RETENTION' },
    ].filter((rule) => rule.retentionMs > 0) as { statuses: TaskStatus[]; retentionMs: number; name: string }[];
  }

  onApplicationBootstrap(): void {
    if (this.rules.length === 0) return;
    this.timer = setInterval(() => void this.prune(), RETENTION_EVERY_MS);
  }
  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass; returns how many tasks it deleted. */
  async prune(): Promise<number> {
    if (this.pruning) return 0;
    this.pruning = true;
    let total = 0;
    try {
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
    } catch (error) {
      this.logger.warn(`retention pass failed, retrying in a minute: ${(error as Error).message}`);
    } finally {
      this.pruning = false;
    }
    return total;
  }
}
