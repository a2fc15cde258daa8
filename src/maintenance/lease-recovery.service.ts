import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { TaskMetrics } from '../metrics/task-metrics.js';
import { TaskRepository } from '../task-store/task.repository.js';
import type { PeriodicJob } from './periodic-job.js';
import { withRequestId } from '../logging/request-context.js';

/** Rows taken back per statement; a bigger backlog is worked through in further rounds at once. */
const RESCUE_BATCH = 100;

/**
 * Every POLL_INTERVAL_MS, takes back the tasks of replicas that stopped renewing their leases, so the work
 * of a replica killed with `kill -9` resumes elsewhere about LEASE_MS later, and the tasks such a replica
 * held in its claim buffer, which never started. Runs on every replica that runs tasks; concurrent passes
 * take different rows.
 */
@Injectable()
export class LeaseRecoveryService implements PeriodicJob {
  readonly name = 'lease-recovery';
  readonly runsAtStart = false;
  private readonly logger = new Logger(LeaseRecoveryService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: TaskRepository,
    private readonly metrics: TaskMetrics,
  ) {}

  get enabled(): boolean {
    return this.config.workerEnabled;
  }

  get intervalMs(): number {
    return this.config.pollIntervalMs;
  }

  async runOnce(): Promise<void> {
    try {
      await this.recover();
    } finally {
      await this.recoverBuffers();
    }
  }

  /** One pass over expired claim buffers; returns how many tasks went back to the queue. */
  async recoverBuffers(): Promise<number> {
    let total = 0;
    for (;;) {
      const rescued = await this.tasks.rescueExpiredBuffers(RESCUE_BATCH);
      if (rescued.length > 0) {
        this.logger.warn(`${rescued.length} task(s) back in the queue from the expired claim buffer of a replica`);
      }
      total += rescued.length;
      if (rescued.length < RESCUE_BATCH) return total;
    }
  }

  /** One pass; returns how many tasks it took back. */
  async recover(): Promise<number> {
    let total = 0;
    for (;;) {
      const rescued = await this.tasks.rescueExpiredLeases(RESCUE_BATCH);
      for (const task of rescued) {
        this.metrics.leaseRecoveries.inc({ status: task.status });
        // A task's line, under the request that submitted it, as its other lines are.
        withRequestId(task.requestId, () =>
          this.logger.warn(
            `task ${task.id} (${task.type}): lease of ${task.workerId} expired after attempt ${task.attempt}/${task.maxAttempts}; now ${task.status}`,
          ),
        );
      }
      total += rescued.length;
      if (rescued.length < RESCUE_BATCH) return total;
    }
  }
}
