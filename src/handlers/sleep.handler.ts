import { Injectable } from '@nestjs/common';
import { TaskHandler } from '../task-types/task-handler.js';
import type { TaskContext, TaskHandler as Handler } from '../task-types/task-handler.js';
import { abortableDelay } from './abortable-delay.js';
import { checkIntegerField } from './payload-checks.js';

const MAX_SLEEP_MS = 24 * 60 * 60 * 1000;

/** Waits `ms` milliseconds, honouring its AbortSignal. */
@Injectable()
@TaskHandler({
  type: 'sleep',
  description: 'payload {"ms": n}: waits n ms, stoppable at any moment; result {"slept": n}.',
})
export class SleepHandler implements Handler<{ ms: number }, { slept: number }> {
  validatePayload(payload: unknown): string[] {
    return checkIntegerField(payload, 'ms', { min: 0, max: MAX_SLEEP_MS, required: true });
  }

  async run({ ms }: { ms: number }, { signal }: TaskContext): Promise<{ slept: number }> {
    await abortableDelay(ms, signal);
    return { slept: ms };
  }
}
