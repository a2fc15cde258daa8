import { Injectable } from '@nestjs/common';
import { TaskHandler } from '../task-types/task-handler.js';
import type { TaskContext, TaskHandler as Handler } from '../task-types/task-handler.js';
import { isJsonObject } from '../json/json-object.js';
import { checkIntegerField } from './payload-checks.js';

interface FailPayload {
  times?: number;
  message?: string;
}

/** Throws on its first `times` attempts (default: every attempt), then succeeds: exercises retries. */
@Injectable()
@TaskHandler({
  type: 'fail',
  description: 'payload {"times": n, "message": "..."}: throws on its first n attempts, then succeeds.',
})
export class FailHandler implements Handler<FailPayload, { attempts: number }> {
  validatePayload(payload: unknown): string[] {
    if (payload !== null && payload !== undefined && !isJsonObject(payload)) return ['payload must be an object'];
    const problems = checkIntegerField(payload, 'times', { min: 0, max: 100, required: false });
    if (isJsonObject(payload) && payload.message !== undefined && typeof payload.message !== 'string') {
      problems.push('payload.message must be a string');
    }
    return problems;
  }

  run(payload: FailPayload | null, { task }: TaskContext): Promise<{ attempts: number }> {
    const times = payload?.times ?? Number.MAX_SAFE_INTEGER;
    if (task.attempt <= times) {
      return Promise.reject(
        new Error(payload?.message ?? `failing on purpose (attempt ${task.attempt} of the first ${times})`),
      );
    }
    return Promise.resolve({ attempts: task.attempt });
  }
}
