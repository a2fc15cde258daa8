import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import type { TaskContext, TaskHandler as Handler } from '../../src/task-types/task-handler.js';
import { fromDist } from './from-dist.js';

// Loaded before the classes below: their decorator must be dist's own, the one the registry looks for.
const { TaskHandler } =
  await fromDist<typeof import('../../src/task-types/task-handler.js')>('task-types/task-handler.js');

/**
 * What the bench's handlers report, set by the workload that runs. Module-level rather than injected, so
 * that the in-process replicas of one workload (each with its own handler instances) report to one place,
 * on one clock (performance.now()).
 */
export const benchHooks: {
  /** A `noop` handler was entered with this payload. */
  entered?: (payload: unknown) => void;
  /** A `hold` handler started on this task. */
  holdStarted?: (taskId: string) => void;
  /** A `hold` handler's AbortSignal fired, at this instant. */
  holdAborted?: (taskId: string, at: number) => void;
} = {};

/** The no-op task of the drain, enqueue and latency workloads: reports its entry, returns at once. */
@Injectable()
@TaskHandler({ type: 'noop', description: 'bench only: returns at once' })
export class NoopHandler implements Handler {
  run(payload: unknown): Promise<null> {
    benchHooks.entered?.(payload);
    return Promise.resolve(null);
  }
}

/** The stop-latency task: runs until its AbortSignal fires, and reports the instant it fired. */
@Injectable()
@TaskHandler({ type: 'hold', description: 'bench only: waits for its AbortSignal' })
export class HoldHandler implements Handler {
  run(_payload: unknown, { task, signal }: TaskContext): Promise<never> {
    return new Promise((_, reject) => {
      signal.addEventListener(
        'abort',
        () => {
          benchHooks.holdAborted?.(task.id, performance.now());
          reject(signal.reason as Error);
        },
        { once: true },
      );
      benchHooks.holdStarted?.(task.id);
    });
  }
}

@Module({ providers: [NoopHandler, HoldHandler] })
export class BenchHandlersModule {}
