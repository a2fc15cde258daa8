import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.js';
import * as SQL from './queue-settings.sql.js';

/** At most `limit` task starts in any `intervalMs`, in the whole queue or (`perKey`) per concurrency key. */
export interface RateLimit {
  limit: number;
  intervalMs: number;
  /** Each concurrency key has its own `limit`; tasks without a key share one. */
  perKey: boolean;
}

/** A queue's settings; a queue without a row is unpaused and unlimited. */
export interface QueueSettings {
  name: string;
  paused: boolean;
  /** Tasks of this queue running at once on all replicas together, at most; null: no limit. */
  concurrency: number | null;
  /** Tasks of one concurrency key running at once in this queue, at most; null: no limit. */
  keyConcurrency: number | null;
  rateLimit: RateLimit | null;
}

/** The limits a PUT /queues/:name changes: each given one is set (null lifts it); absent ones stay. */
export interface QueueLimits {
  concurrency?: number | null;
  keyConcurrency?: number | null;
  rateLimit?: RateLimit | null;
}

/** Whether a claim must take this queue under its lock, one queue at a time (TaskClaimer). */
export const isClaimedOneByOne = (queue: QueueSettings): boolean =>
  queue.concurrency !== null || queue.keyConcurrency !== null || queue.rateLimit !== null;

/** Reads and writes the queues table: pause, resume and limits of named queues. */
@Injectable()
export class QueueSettingsRepository {
  constructor(private readonly db: Database) {}

  list(): Promise<QueueSettings[]> {
    return this.db.rows<QueueSettings>(SQL.LIST_QUEUE_SETTINGS, []);
  }

  async setPaused(queue: string, paused: boolean): Promise<QueueSettings> {
    const [settings] = await this.db.rows<QueueSettings>(SQL.SET_QUEUE_PAUSED, [queue, paused]);
    return settings;
  }

  async setLimits(queue: string, limits: QueueLimits): Promise<QueueSettings> {
    const given = (limit: keyof QueueLimits): boolean => limits[limit] !== undefined;
    const [settings] = await this.db.rows<QueueSettings>(SQL.SET_QUEUE_LIMITS, [
      queue,
      given('concurrency'),
      limits.concurrency ?? null,
      given('keyConcurrency'),
      limits.keyConcurrency ?? null,
      given('rateLimit'),
      limits.rateLimit?.limit ?? null,
      limits.rateLimit?.intervalMs ?? null,
      limits.rateLimit?.perKey ?? null,
    ]);
    return settings;
  }
}
