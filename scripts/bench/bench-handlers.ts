import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Module } from '@nestjs/common';
import type { Type } from '@nestjs/common';
import type { TaskContext, TaskHandler as Handler } from '../../src/task-types/task-handler.js';

/**
 * What the bench's handlers report, set by the workload that runs. Module-level rather than injected, so
 * that the in-process replicas of one workload (each with its own handler instances, possibly of two
 * builds) report to one place, on one clock (performance.now()).
 */
export const benchHooks: {
  /** A `noop` handler was entered with this payload. */
  entered?: (payload: unknown) => void;
  /** A `hold` handler started on this task. */
  holdStarted?: (taskId: string) => void;
  /** A `hold` handler's AbortSignal fired, at this instant. */
  holdAborted?: (taskId: string, at: number) => void;
} = {};

/** How long a `sleep20` task takes: the scaling workload's stand-in for a handler that waits on I/O. */
export const SLEEP_TASK_MS = 20;

/**
 * The bench's task types, marked with the given build's @TaskHandler: the registry of each build (this
 * checkout's dist/, or a baseline's) finds only providers marked with its own decorator, so each build
 * gets classes of its own.
 */
export function benchHandlersModule(
  TaskHandler: typeof import('../../src/task-types/task-handler.js').TaskHandler,
): Type {
  /** The no-op task of the drain, enqueue and latency workloads: reports its entry, returns at once. */
  @Injectable()
  @TaskHandler({ type: 'noop', description: 'bench only: returns at once' })
  class NoopHandler implements Handler {
    run(payload: unknown): Promise<null> {
      benchHooks.entered?.(payload);
      return Promise.resolve(null);
    }
  }

  /** The scaling workload's task: waits SLEEP_TASK_MS without using the CPU, as a call to another service. */
  @Injectable()
  @TaskHandler({ type: 'sleep20', description: `bench only: waits ${SLEEP_TASK_MS} ms` })
  class Sleep20Handler implements Handler {
    async run(_payload: unknown, { signal }: TaskContext): Promise<null> {
      await sleep(SLEEP_TASK_MS, undefined, { signal });
      return null;
    }
  }

  /** The stop-latency task: runs until its AbortSignal fires, and reports the instant it fired. */
  @Injectable()
  @TaskHandler({ type: 'hold', description: 'bench only: waits for its AbortSignal' })
  class HoldHandler implements Handler {
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

  @Module({ providers: [NoopHandler, Sleep20Handler, HoldHandler] })
  class BenchHandlersModule {}
  return BenchHandlersModule;
}
