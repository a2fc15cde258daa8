import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { TaskQueueRepository } from './task-queue.repository.js';

const RETENTION_INTERVAL = 'task-retention';
const RETENTION_EVERY_MS = 60_000;
/** Rows deleted per statement: short transactions, little lock time, steady vacuum work. */
const DELETE_BATCH = 1000;

/**
 * Deletes finished tasks older than TASK_RETENTION, every minute, in small batches. Queued and running
 * tasks are never touched. TASK_RETENTION=0d keeps the history forever.
 */
@Injectable()
export class TaskRetentionService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TaskRetentionService.name);
  private pruning = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: TaskQueueRepository,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.taskRetentionMs === 0) return;
    this.scheduler.addInterval(
      RETENTION_INTERVAL,
      setInterval(() => void this.prune(), RETENTION_EVERY_MS),
    );
  }

  /** One pass; returns how many tasks it deleted. */
  async prune(): Promise<number> {
    if (this.pruning || this.config.taskRetentionMs === 0) return 0;
    this.pruning = true;
    let total = 0;
    try {
      for (;;) {
        const deleted = await this.queue.deleteExpiredHistory(this.config.taskRetentionMs, DELETE_BATCH);
        total += deleted;
        if (deleted < DELETE_BATCH) break;
      }
      if (total > 0) this.logger.log(`deleted ${total} task(s) finished more than TASK_RETENTION ago`);
    } catch (error) {
      this.logger.warn(`retention pass failed, retrying in a minute: ${(error as Error).message}`);
    } finally {
      this.pruning = false;
    }
    return total;
  }
}
