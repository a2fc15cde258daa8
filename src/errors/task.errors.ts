import { TaskSystemError } from './task-system-error.js';
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

/** A task operation (submit, stop, retry, read) refused: unknown type, bad payload, no such task, a conflict. */
export class TaskRefusedError extends TaskSystemError {
  constructor(
    readonly code: TaskErrorCode,
    messages: string | string[],
    /** The task as it is, where the refusal is about it (the contract's 409 "with the task"). */
    readonly task?: Task,
  ) {
    super(messages);
  }

  /** The same error about one item of a batch: every message starts with `tasks[index]: `. */
  forBatchItem(index: number): TaskRefusedError {
    const prefix = (message: string): string => `tasks[${index}]: ${message}`;
    return new TaskRefusedError(
      this.code,
      Array.isArray(this.messages) ? this.messages.map(prefix) : prefix(this.messages),
      this.task,
    );
  }
}
