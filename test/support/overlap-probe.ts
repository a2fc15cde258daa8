import { Injectable, Module } from '@nestjs/common';
import { TaskHandler } from '../../src/task-types/task-handler.js';
import type { TaskContext, TaskHandler as Handler } from '../../src/task-types/task-handler.js';

/**
 * How many `overlap` tasks of each queue run at once, counted across every replica of this test process
 * (in-process replicas share this module), and the most there ever were. Each holds its slot until the test
 * lets it go, so a test decides when slots free up instead of guessing how long a task should take.
 */
export const overlap = {
  running: new Map<string, number>(),
  most: new Map<string, number>(),
  /** The tasks holding their slot now, by task id: their queue and what lets them end. */
  held: new Map<string, { queue: string; release: () => void }>(),
  reset(): void {
    this.running.clear();
    this.most.clear();
    this.held.clear();
  },
  runningIn(queue: string): number {
    return this.running.get(queue) ?? 0;
  },
  /** Lets every task of `queue` that holds its slot now end; returns how many did. */
  release(queue: string): number {
    const ending = [...this.held.values()].filter((task) => task.queue === queue);
    for (const task of ending) task.release();
    return ending.length;
  },
};

/** Counted as running in its queue until the test releases it (`overlap.release`) or its attempt is aborted. */
@Injectable()
@TaskHandler({ type: 'overlap' })
export class OverlapHandler implements Handler<unknown, null> {
  async run(_payload: unknown, { task, signal }: TaskContext): Promise<null> {
    const now = overlap.runningIn(task.queue) + 1;
    overlap.running.set(task.queue, now);
    overlap.most.set(task.queue, Math.max(now, overlap.most.get(task.queue) ?? 0));
    try {
      await new Promise<void>((resolve) => {
        const release = (): void => {
          overlap.held.delete(task.id);
          resolve();
        };
        overlap.held.set(task.id, { queue: task.queue, release });
        signal.addEventListener('abort', release, { once: true });
      });
      return null;
    } finally {
      overlap.running.set(task.queue, overlap.runningIn(task.queue) - 1);
    }
  }
}

@Module({ providers: [OverlapHandler] })
export class OverlapProbeModule {}
