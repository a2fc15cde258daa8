import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.js';
import * as SQL from './queue-settings.sql.js';

/** A queue's settings; a queue without a row is unpaused and unlimited. */
export interface QueueSettings {
  name: string;
  paused: boolean;
  /** Tasks of this queue running at once on all replicas together, at most; null: no limit. */
  concurrency: number | null;
}

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

  async setConcurrency(queue: string, concurrency: number | null): Promise<QueueSettings> {
    const [settings] = await this.db.rows<QueueSettings>(SQL.SET_QUEUE_CONCURRENCY, [queue, concurrency]);
    return settings;
  }
}
