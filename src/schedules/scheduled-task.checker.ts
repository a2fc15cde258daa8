import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { TaskDomainError } from '../tasks/task.errors.js';
import { TaskHandlerRegistry } from '../worker/task-handler.registry.js';
import type { ScheduledTask } from './schedule.js';

/**
 * The checks POST /tasks makes against the running app (TaskManagerService.toNewTask): the type is
 * registered, the payload within PAYLOAD_LIMIT_BYTES and accepted by its handler. The same errors, so
 * the same answers: 400 naming the known types, 413, 400 naming the payload's problems. Made when a
 * schedule is declared, so every occurrence's task is one POST /tasks would have accepted.
 */
@Injectable()
export class ScheduledTaskChecker {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly handlers: TaskHandlerRegistry,
  ) {}

  /** Throws a TaskDomainError naming the problem. */
  check(task: ScheduledTask): void {
    const registered = this.handlers.find(task.type);
    if (!registered) {
      throw new TaskDomainError(
        'UNKNOWN_TASK_TYPE',
        `unknown task type "${task.type}"; known types: ${this.handlers.types.join(', ')}`,
      );
    }
    const size = Buffer.byteLength(JSON.stringify(task.payload));
    if (size > this.config.payloadLimitBytes) {
      throw new TaskDomainError(
        'PAYLOAD_TOO_LARGE',
        `payload is ${size} bytes; the limit is ${this.config.payloadLimitBytes} bytes`,
      );
    }
    const problems = registered.handler.validatePayload?.(task.payload) ?? [];
    if (problems.length > 0) throw new TaskDomainError('INVALID_PAYLOAD', problems);
  }
}
