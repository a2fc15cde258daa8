import { Injectable, Module } from '@nestjs/common';
import { TaskHandler } from '../../src/task-types/task-handler.js';
import type {
  IsolatedTaskHandlerProvider,
  TaskContext,
  TaskHandler as Handler,
} from '../../src/task-types/task-handler.js';

/**
 * Task types for the isolated-handler tests. `isolated-probe` runs isolated-probe.thread.mjs in worker
 * threads with a small heap, so one can exhaust it quickly; `inline-progress` reports progress in the main
 * thread, then waits for its AbortSignal.
 */
@Injectable()
@TaskHandler({
  type: 'isolated-probe',
  isolated: {
    module: new URL('./isolated-probe.thread.mjs', import.meta.url),
    resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
  },
})
export class IsolatedProbeHandler implements IsolatedTaskHandlerProvider {}

/** Reports each of `steps` (0..100) in turn at once, then waits until it is stopped. */
@Injectable()
@TaskHandler({ type: 'inline-progress' })
export class InlineProgressHandler implements Handler<{ steps: number[]; message: string }> {
  run(
    { steps, message }: { steps: number[]; message: string },
    { signal, reportProgress }: TaskContext,
  ): Promise<never> {
    for (const percent of steps) reportProgress(percent, `${message} ${percent}`);
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
  }
}

@Module({ providers: [IsolatedProbeHandler, InlineProgressHandler] })
export class IsolatedProbeHandlersModule {}
