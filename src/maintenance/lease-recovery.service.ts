import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { TaskMetrics } from '../metrics/task-metrics.js';
import { TaskRepository } from '../task-store/task.repository.js';

/** Rows taken back per statement; a bigger backlog is worked through in further rounds at once. */
const RESCUE_BATCH = 100;

/**
 * The maintenance pass: every POLL_INTERVAL_MS it takes back the tasks of replicas that stopped renewing
 * their leases, so the work of a replica killed with `kill -9` resumes elsewhere about LEASE_MS later.
 * Runs on every replica that runs tasks; concurrent passes take different rows.
 */
@Injectable()
export class LeaseRecoveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LeaseRecoveryService.name);
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: TaskRepository,
    private readonly metrics: TaskMetrics,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workerEnabled) return;
    this.timer = setInterval(() => void this.recover(), this.config.pollIntervalMs);
  }
  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass; returns how many tasks it took back. */
  async recover(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let total = 0;
    try {
      for (;;) {
        const rescued = await this.tasks.rescueExpiredLeases(RESCUE_BATCH);
        for (const task of rescued) {
          this.metrics.leaseRecoveries.inc({ status: task.status });
          this.logger.warn(
            `task ${task.id} (${task.type}): lease of ${task.workerId} expired after attempt ${task.attempt}/${task.maxAttempts}; now ${task.status}`,
          );
        }
        total += rescued.length;
        if (rescued.length < RESCUE_BATCH) return total;
      }
    } catch (error) {
      this.logger.warn(`lease recovery failed, retrying at the next pass: ${(error as Error).message}`);
      return total;
    } finally {
      this.running = false;
    }
  }
}
