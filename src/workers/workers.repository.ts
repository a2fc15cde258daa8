import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.js';
import type { Worker, WorkerDescription } from './worker.js';
import * as SQL from './workers.sql.js';

/** The only code that talks SQL to the workers table. The statements live in workers.sql.ts. */
@Injectable()
export class WorkersRepository {
  constructor(private readonly db: Database) {}

  /** Records the replica as alive now (an upsert: its registration too). */
  async heartbeat(worker: WorkerDescription): Promise<void> {
    await this.db.rows(
      SQL.WORKER_HEARTBEAT,
      [
        worker.id,
        worker.host,
        worker.pid,
        worker.version,
        worker.startedAt,
        worker.taskTypes,
        worker.slots,
        worker.queues,
        JSON.stringify(worker.queueLimits),
        worker.leaseMs,
      ],
      { name: 'worker_heartbeat' },
    );
  }

  async markGone(id: string): Promise<void> {
    await this.db.rows(SQL.MARK_WORKER_GONE, [id]);
  }

  /** The live replicas, then those gone less than `goneWithinMs` ago. */
  list(goneWithinMs: number): Promise<Worker[]> {
    return this.db.rows<Worker>(SQL.LIST_WORKERS, [goneWithinMs]);
  }

  /** Forgets replicas gone more than `goneForMs` ago; returns how many. */
  async deleteGone(goneForMs: number): Promise<number> {
    return (await this.db.rows(SQL.DELETE_GONE_WORKERS, [goneForMs])).length;
  }
}
