import type { Task } from '../task-store/task.js';

/** Every way a task operation can be refused. The HTTP status of each lives in one switch (http-error.filter.ts). */
export type TaskErrorCode =
  | 'INVALID_REQUEST'
  | 'UNKNOWN_TASK_TYPE'
  | 'INVALID_PAYLOAD'
  | 'PAYLOAD_TOO_LARGE'
  | 'TASK_NOT_FOUND'
  | 'TASK_ALREADY_FINISHED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'TASK_NOT_RETRYABLE';

export class TaskDomainError extends Error {
  constructor(
    readonly code: TaskErrorCode,
    message: string | string[],
    /** Sent along with the error where the contract says so (409 "with the task"). */
    readonly task?: Task,
  ) {
    super(Array.isArray(message) ? message.join('; ') : message);
    this.messages = message;
  }

  readonly messages: string | string[];

  /** The same error about one item of a batch: every message starts with `tasks[index]: `. */
  forBatchItem(index: number): TaskDomainError {
    const prefix = (message: string): string => `tasks[${index}]: ${message}`;
    return new TaskDomainError(
      this.code,
      Array.isArray(this.messages) ? this.messages.map(prefix) : prefix(this.messages),
      this.task,
    );
  }
}
