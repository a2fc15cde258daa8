import { Injectable } from '@nestjs/common';
import { GONE_WORKERS_KEPT_MS } from '../workers/worker.js';
import { WorkersRepository } from '../workers/workers.repository.js';
import type { PeriodicJob } from './periodic-job.js';

/**
 * Forgets the replicas gone for more than an hour (GET /workers lists them that long), every minute, on
 * every replica: one short DELETE on a table of a few rows, and concurrent passes delete nothing twice.
 */
@Injectable()
export class GoneWorkersRetention implements PeriodicJob {
  readonly name = 'gone-workers-retention';
  readonly enabled = true;
  readonly intervalMs = 60_000;
  readonly runsAtStart = false;

  constructor(private readonly workers: WorkersRepository) {}

  async runOnce(): Promise<void> {
    await this.workers.deleteGone(GONE_WORKERS_KEPT_MS);
  }
}
