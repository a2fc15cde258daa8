import { Injectable, Logger } from '@nestjs/common';
import { Database } from '../database/database.js';
import type { TaskStatus } from './task.js';
import { ANNOUNCE_CHANGES, EVENT_IDS } from './task.sql.js';
import { outsideAnyRequest } from '../logging/request-context.js';

/**
 * How long changes gather before they are announced. Short next to what a person watching the
 * dashboard notices; long enough that a busy replica announces a whole drain in a few notifications a
 * second.
 */
const ANNOUNCE_AFTER_MS = 50;

/**
 * Announces on task_events what the hot statements (claim, finish) changed, a moment after they
 * committed and in a transaction of its own. A notifying transaction holds PostgreSQL's notification
 * lock through its commit, so notifying from the hot statements made every claim and completion on every
 * replica commit one after another instead of sharing WAL flushes. Nobody waits for these changes (stops
 * and new tasks are announced by their own statements); they feed the dashboard's event stream. An
 * announcement lost to a crash or an outage only leaves a browser to its next resync or poll.
 */
@Injectable()
export class TaskChangeAnnouncer {
  private readonly logger = new Logger(TaskChangeAnnouncer.name);
  private pending = new Map<TaskStatus, string[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Database) {}

  /** Queues these tasks' new statuses for the next announcement. */
  changed(tasks: readonly { id: string; status: TaskStatus }[]): void {
    for (const { id, status } of tasks) {
      const ids = this.pending.get(status);
      if (ids) ids.push(id);
      else this.pending.set(status, [id]);
    }
    // One announcement serves every change queued meanwhile, whichever request or task queued the first.
    if (tasks.length > 0)
      this.timer ??= outsideAnyRequest(() => setTimeout(() => void this.announce(), ANNOUNCE_AFTER_MS));
  }

  private async announce(): Promise<void> {
    this.timer = undefined;
    const payloads: string[] = [];
    for (const [status, ids] of this.pending) {
      for (let start = 0; start < ids.length; start += EVENT_IDS) {
        payloads.push(`${status}:${ids.slice(start, start + EVENT_IDS).join(',')}`);
      }
    }
    this.pending = new Map();
    try {
      await this.db.rows(ANNOUNCE_CHANGES, [payloads]);
    } catch (error) {
      this.logger.debug(`could not announce ${payloads.length} task change(s): ${(error as Error).message}`);
    }
  }
}
