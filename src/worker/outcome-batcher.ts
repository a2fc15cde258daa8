import { Injectable } from '@nestjs/common';
import { isDatabaseUnavailable } from '../database/database-errors.js';
import type { Task } from '../task-store/task.js';
import { TaskRepository } from '../task-store/task.repository.js';
import type { AttemptOutcome } from '../task-store/task.repository.js';

interface PendingOutcome {
  outcome: AttemptOutcome;
  resolve: (task: Task | undefined) => void;
  reject: (error: unknown) => void;
}

/** Outcomes written per statement at most. */
const MAX_BATCH = 500;

/**
 * Group commit for attempt outcomes, successes and failures alike. One write is in flight at a time;
 * outcomes that arrive meanwhile (or in the same turn of the event loop) go together in the next one. An
 * idle replica so writes each outcome at once, and a busy one writes them by the hundred, in one commit
 * instead of one each.
 */
@Injectable()
export class OutcomeBatcher {
  private pending: PendingOutcome[] = [];
  private scheduled = false;
  private writing = false;

  constructor(private readonly tasks: TaskRepository) {}

  /** Resolves with the task as written, or undefined when the attempt was no longer ours. */
  write(outcome: AttemptOutcome): Promise<Task | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ outcome, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    this.writing = true;
    try {
      await this.store(batch);
    } finally {
      this.writing = false;
      if (this.pending.length > 0) this.schedule();
    }
  }

  private async store(batch: PendingOutcome[]): Promise<void> {
    try {
      const written = await this.tasks.finishMany(batch.map(({ outcome }) => outcome));
      const byId = new Map(written.map((task) => [task.id, task]));
      for (const { outcome, resolve } of batch) resolve(byId.get(outcome.held.id));
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const { reject } of batch) reject(error);
        return;
      }
      // One bad value (say, text jsonb refuses) must not fail its neighbours: write each alone.
      for (const pending of batch) await this.store([pending]);
    }
  }
}
