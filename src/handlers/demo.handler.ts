import { Injectable } from '@nestjs/common';
import { TaskHandler } from '../task-types/task-handler.js';
import type { TaskContext, TaskHandler as Handler } from '../task-types/task-handler.js';
import { abortableDelay } from './abortable-delay.js';

/** The original TaskSystem's task: works for a random 1–5 s, then returns its payload. */
@Injectable()
@TaskHandler({
  type: 'demo',
  description: 'Works for a random 1-5 s; result = payload (the original TaskSystem task).',
})
export class DemoHandler implements Handler<unknown, unknown> {
  async run(payload: unknown, { signal }: TaskContext): Promise<unknown> {
    await abortableDelay(1000 + Math.floor(Math.random() * 4000), signal);
    return payload;
  }
}
