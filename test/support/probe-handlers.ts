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
  /** Handlers of type `gate` running on this replica now, and the most there ever were at once. */
  active = 0;
  mostActive = 0;
  /** The `gate` tasks waiting here, each with what lets it return. */
  private readonly gates = new Map<string, (result: unknown) => void>();
  /** Gates opened before their task started here, with the result it is to return. */
  private readonly openedEarly = new Map<string, unknown>();

  /** Lets the `gate` task with this id return `result`: now, or as soon as it starts on this replica. */
  openGate(taskId: string, result: unknown = null): void {
    const open = this.gates.get(taskId);
    if (open) open(result);
    else this.openedEarly.set(taskId, result);
  }

  /** Opens the gate of every `gate` task waiting here now; returns how many there were. */
  openAllGates(): number {
    const waiting = [...this.gates.keys()];
    for (const taskId of waiting) this.openGate(taskId);
    return waiting.length;
  }

  /** Where a `gate` handler waits: until its gate opens (its result) or its attempt is aborted (rejects). */
  waitAtGate(taskId: string, signal: AbortSignal): Promise<unknown> {
    if (this.openedEarly.has(taskId)) {
      const result = this.openedEarly.get(taskId);
      this.openedEarly.delete(taskId);
      return Promise.resolve(result);
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.gates.delete(taskId);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.gates.set(taskId, (result) => {
        this.gates.delete(taskId);
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      });
    });
  }

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

/**
 * Holds its slot until the test opens its gate (`ProbeEvents.openGate`), then returns the result given there;
 * ends at once if aborted. Counts how many of its kind run at once on this replica. A test that must act while
 * a task runs (take it over, fill a queue's limit) so does it before the task can end, however slow the machine.
 */
@Injectable()
@TaskHandler({ type: 'gate' })
export class GateHandler implements Handler {
  constructor(private readonly events: ProbeEvents) {}

  async run(_payload: unknown, { task, signal }: TaskContext): Promise<unknown> {
    this.events.emit('started', task.id);
    this.events.active += 1;
    this.events.mostActive = Math.max(this.events.mostActive, this.events.active);
    try {
      return await this.events.waitAtGate(task.id, signal);
    } finally {
      this.events.active -= 1;
    }
  }
}

/** What `unstorable` returns for each `payload.kind`: values a handler may return that cannot be stored. */
export const UNSTORABLE_RESULTS: Record<string, () => unknown> = {
  bigint: () => ({ total: 10n }),
  cycle: () => {
    const node: { name: string; self?: unknown } = { name: 'loop' };
    node.self = node;
    return node;
  },
  nul: () => ({ text: 'before\u0000after' }),
  'throwing toJSON': () => ({
    toJSON() {
      throw new Error('this value refuses to be serialised');
    },
  }),
};

/** Returns a result that JSON.stringify or PostgreSQL's jsonb refuses, as `payload.kind` names it. */
@Injectable()
@TaskHandler({ type: 'unstorable' })
export class UnstorableResultHandler implements Handler<{ kind: string }> {
  run({ kind }: { kind: string }): Promise<unknown> {
    return Promise.resolve(UNSTORABLE_RESULTS[kind]());
  }
}

@Module({
  providers: [ProbeEvents, ProbeHandler, StubbornHandler, GateHandler, UnstorableResultHandler],
  exports: [ProbeEvents],
})
export class ProbeHandlersModule {}
