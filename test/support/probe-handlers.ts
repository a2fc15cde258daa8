import { EventEmitter } from 'node:events';
import { Injectable, Module } from '@nestjs/common';
import { TaskHandler } from '../../src/task-types/task-handler.js';
import type { TaskContext, TaskHandler as Handler } from '../../src/task-types/task-handler.js';

/**
 * Task types for tests only. Each replica gets its own instance, so a test can see which replica's
 * handler started and which one's AbortSignal fired.
 */
export class ProbeEvents extends EventEmitter<{
  started: [taskId: string];
  aborted: [taskId: string, reason: unknown];
}> {
  readonly aborted = new Map<string, unknown>();
  /** Handlers of type `count` running on this replica now, and the most there ever were at once. */
  active = 0;
  mostActive = 0;

  /** Resolves when the handler of this task is told to stop on this replica. */
  nextAbort(taskId: string): Promise<unknown> {
    if (this.aborted.has(taskId)) return Promise.resolve(this.aborted.get(taskId));
    return new Promise((resolve) => {
      const listener = (id: string, reason: unknown): void => {
        if (id !== taskId) return;
        this.off('aborted', listener);
        resolve(reason);
      };
      this.on('aborted', listener);
    });
  }
}

/** Waits until its AbortSignal fires, then ends as a cooperative handler does. */
@Injectable()
@TaskHandler({ type: 'probe' })
export class ProbeHandler implements Handler {
  constructor(private readonly events: ProbeEvents) {}

  run(_payload: unknown, { task, signal }: TaskContext): Promise<never> {
    this.events.emit('started', task.id);
    return new Promise((_, reject) =>
      signal.addEventListener('abort', () => {
        this.events.aborted.set(task.id, signal.reason);
        this.events.emit('aborted', task.id, signal.reason);
        reject(signal.reason as Error);
      }),
    );
  }
}

/** Ignores its AbortSignal and never ends: the worst handler a supervisor must still get rid of. */
@Injectable()
@TaskHandler({ type: 'stubborn' })
export class StubbornHandler implements Handler {
  run(): Promise<never> {
    return new Promise(() => undefined);
  }
}

/** Counts how many of its kind run at once on this replica, for `ms` each. */
@Injectable()
@TaskHandler({ type: 'count' })
export class CountingHandler implements Handler {
  constructor(private readonly events: ProbeEvents) {}

  async run(payload: unknown): Promise<null> {
    this.events.active += 1;
    this.events.mostActive = Math.max(this.events.mostActive, this.events.active);
    try {
      await new Promise((resolve) => setTimeout(resolve, (payload as { ms: number }).ms));
      return null;
    } finally {
      this.events.active -= 1;
    }
  }
}

@Module({ providers: [ProbeEvents, ProbeHandler, StubbornHandler, CountingHandler], exports: [ProbeEvents] })
export class ProbeHandlersModule {}
