import { Injectable, Module } from '@nestjs/common';
import { TaskHandler } from '../../src/task-types/task-handler.js';
import type { TaskContext, TaskHandler as Handler } from '../../src/task-types/task-handler.js';

/**
 * How many `overlap` tasks of each queue run at once, counted across every replica of this test process
 * (in-process replicas share this module), and the most there ever were.
 */
export const overlap = {
  running: new Map<string, number>(),
  most: new Map<string, number>(),
  reset(): void {
    this.running.clear();
    this.most.clear();
  },
};

/** Holds its slot for `payload.ms` (default 30) while counted as running in its queue. */
@Injectable()
@TaskHandler({ type: 'overlap' })
export class OverlapHandler implements Handler<{ ms?: number }, null> {
  async run(payload: { ms?: number } | null, { task, signal }: TaskContext): Promise<null> {
    const now = (overlap.running.get(task.queue) ?? 0) + 1;
    overlap.running.set(task.queue, now);
    overlap.most.set(task.queue, Math.max(now, overlap.most.get(task.queue) ?? 0));
    try {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, payload?.ms ?? 30);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      return null;
    } finally {
      overlap.running.set(task.queue, (overlap.running.get(task.queue) ?? 1) - 1);
    }
  }
}

@Module({ providers: [OverlapHandler] })
export class OverlapProbeModule {}
