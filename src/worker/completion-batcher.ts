import { Injectable } from '@nestjs/common';
import { isDatabaseUnavailable } from '../database/database-errors.js';
import type { Task } from '../queue/task.js';
import { TaskQueueRepository } from '../queue/task-queue.repository.js';
import type { HeldAttempt } from '../queue/task-queue.repository.js';

interface PendingCompletion {
  held: HeldAttempt;
  resultJson: string;
  resolve: (task: Task | undefined) => void;
  reject: (error: unknown) => void;
}

/** Completions written per statement at most. */
const MAX_BATCH = 500;

/**
 * Group commit for completions. One write is in flight at a time; completions that arrive meanwhile (or
 * in the same turn of the event loop) go together in the next one. An idle replica so writes each
 * completion at once, and a busy one writes them by the hundred, in one commit instead of one each.
 */
@Injectable()
export class CompletionBatcher {
  private pending: PendingCompletion[] = [];
  private scheduled = false;
  private writing = false;

  constructor(private readonly queue: TaskQueueRepository) {}

  /**
   * Resolves with the task as written, or undefined when the attempt was no longer ours. Throws at once,
   * before queueing, if the result is not JSON (a BigInt, a cycle).
   */
  complete(held: HeldAttempt, result: unknown): Promise<Task | undefined> {
    const resultJson = JSON.stringify(result ?? null) ?? 'null';
    return new Promise((resolve, reject) => {
      this.pending.push({ held, resultJson, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => void this.write());
  }

  private async write(): Promise<void> {
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

  private async store(batch: PendingCompletion[]): Promise<void> {
    try {
      const written = new Map((await this.queue.completeMany(batch)).map((task) => [task.id, task]));
      for (const completion of batch) completion.resolve(written.get(completion.held.id));
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const completion of batch) completion.reject(error);
        return;
      }
      // One bad result (say, text jsonb refuses) must not fail its neighbours: write each alone.
      for (const completion of batch) await this.store([completion]);
    }
  }
}
