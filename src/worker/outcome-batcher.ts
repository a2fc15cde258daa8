import { Injectable } from '@nestjs/common';
import { GroupCommit } from '../database/group-commit.js';
import { TaskRepository } from '../task-store/task.repository.js';
import type { AttemptOutcome, WrittenOutcome } from '../task-store/task.repository.js';

/** Outcomes written per statement at most. */
const MAX_BATCH = 500;

/**
 * Group commit for attempt outcomes, successes and failures alike (GroupCommit: one write in flight, what
 * arrives meanwhile goes in the next). An idle replica so writes each outcome at once, and a busy one
 * writes them by the hundred, in one commit instead of one each. One value the database refuses fails
 * only its own outcome.
 */
@Injectable()
export class OutcomeBatcher {
  private readonly outcomes: GroupCommit<AttemptOutcome, WrittenOutcome | undefined>;

  constructor(tasks: TaskRepository) {
    this.outcomes = new GroupCommit(async (batch) => {
      const written = await tasks.finishMany(batch);
      const byId = new Map(written.map((task) => [task.id, task]));
      // An attempt missing from the result was no longer held by its worker (fenced off): undefined.
      return batch.map(({ held }) => ({ status: 'fulfilled', value: byId.get(held.id) }));
    }, MAX_BATCH);
  }

  /** Resolves with the task as written, or undefined when the attempt was no longer ours. */
  write(outcome: AttemptOutcome): Promise<WrittenOutcome | undefined> {
    return this.outcomes.add(outcome);
  }
}
