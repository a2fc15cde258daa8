import { DiscoveryService } from '@nestjs/core';
import type { Task, TaskProgress } from '../queue/task.js';

/** What a handler is given for one attempt. */
export interface TaskContext {
  /** The task as claimed: `attempt` counts this attempt, `payload` is the submitted input. */
  readonly task: Task;
  /**
   * Fires when the attempt must end: a stop was asked, the timeout passed, or the replica shuts down.
   * `signal.reason` is a TaskAbortReason. A handler that honours it ends promptly; one that ignores it
   * is written off after CANCEL_GRACE_MS.
   */
  readonly signal: AbortSignal;
}

/** A task type: a Nest provider marked with @TaskHandler('name'). */
export interface TaskHandler<Payload = unknown, Result = unknown> {
  /**
   * Checks a payload at submission, so bad input is refused with 400 before anything is stored.
   * Returns the problems found (none: valid).
   */
  validatePayload?(payload: unknown): string[];
  /** Does the work. The returned value (JSON-serialisable) becomes the task's result. */
  run(payload: Payload, context: TaskContext): Promise<Result>;
}

export interface TaskHandlerOptions {
  /** The task type name clients submit, e.g. "sleep". */
  type: string;
  /** Shown in the OpenAPI document and the dashboard. */
  description?: string;
}

/** Marks a provider as the handler of a task type. Found at start-up by TaskHandlerRegistry. */
export const TaskHandler = DiscoveryService.createDecorator<TaskHandlerOptions>();

export type { TaskProgress };
