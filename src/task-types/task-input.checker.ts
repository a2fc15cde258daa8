import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { TaskRefusedError } from '../errors/task.errors.js';
import { TaskTypeRegistry } from './task-type.registry.js';

/**
 * What a task's type and payload must pass before anything is stored, for POST /tasks and for the task
 * a schedule will submit alike, with the same answers: 400 naming the known types, 413 over
 * PAYLOAD_LIMIT_BYTES, 400 naming the payload's problems (its handler's validatePayload).
 */
@Injectable()
export class TaskInputChecker {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly taskTypes: TaskTypeRegistry,
  ) {}

  /** Throws a TaskRefusedError naming the problem. */
  check(task: { type: string; payload: unknown }): void {
    const registered = this.taskTypes.find(task.type);
    if (!registered) {
      throw new TaskRefusedError(
        'UNKNOWN_TASK_TYPE',
        `unknown task type "${task.type}"; known types: ${this.taskTypes.types.join(', ')}`,
      );
    }
    const size = Buffer.byteLength(JSON.stringify(task.payload));
    if (size > this.config.payloadLimitBytes) {
      throw new TaskRefusedError(
        'PAYLOAD_TOO_LARGE',
        `payload is ${size} bytes; the limit is ${this.config.payloadLimitBytes} bytes`,
      );
    }
    const problems = registered.provider.validatePayload?.(task.payload) ?? [];
    if (problems.length > 0) throw new TaskRefusedError('INVALID_PAYLOAD', problems);
  }
}
