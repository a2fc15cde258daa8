import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { TaskDomainError } from '../errors/task.errors.js';
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

  /** Throws a TaskDomainError naming the problem. */
  check(task: { type: string; payload: unknown }): void {
    const registered = this.taskTypes.find(task.type);
    if (!registered) {
      throw new TaskDomainError(
        'UNKNOWN_TASK_TYPE',
        `unknown task type "${task.type}"; known types: ${this.taskTypes.types.join(', ')}`,
      );
    }
    const size = Buffer.byteLength(JSON.stringify(task.payload));
    if (size > this.config.payloadLimitBytes) {
      throw new TaskDomainError(
        'PAYLOAD_TOO_LARGE',
        `payload is ${size} bytes; the limit is ${this.config.payloadLimitBytes} bytes`,
      );
    }
    const problems = registered.provider.validatePayload?.(task.payload) ?? [];
    if (problems.length > 0) throw new TaskDomainError('INVALID_PAYLOAD', problems);
  }
}
