import { Injectable } from '@nestjs/common';
import { TaskHandler } from '../task-types/task-handler.js';
import type { IsolatedTaskHandlerProvider } from '../task-types/task-handler.js';
import { checkIntegerField } from './payload-checks.js';

/** Ten minutes: long enough to show a stop ending work that never yields, short of hogging a core for hours. */
export const MAX_CPU_MS = 10 * 60 * 1000;

/**
 * Burns CPU for `ms` milliseconds without ever yielding, in a worker thread (cpu.thread.ts): its AbortSignal
 * can never fire there, so it shows that a stop, a timeout or a shutdown still ends it, by terminating the
 * thread after CANCEL_GRACE_MS.
 */
@Injectable()
@TaskHandler({
  type: 'cpu',
  description:
    'payload {"ms": n}: burns CPU for n ms without yielding, in a worker thread that a stop terminates; result {"iterations": n}.',
  isolated: { module: new URL('./cpu.thread.js', import.meta.url) },
})
export class CpuHandler implements IsolatedTaskHandlerProvider {
  validatePayload(payload: unknown): string[] {
    return checkIntegerField(payload, 'ms', { min: 1, max: MAX_CPU_MS, required: true });
  }
}
