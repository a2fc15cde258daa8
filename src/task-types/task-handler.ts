import type { ResourceLimits } from 'node:worker_threads';
import { DiscoveryService } from '@nestjs/core';
import type { Task, TaskProgress } from '../task-store/task.js';

/** What a handler is given for one attempt, inline or in a worker thread alike. */
export interface TaskContext {
  /** The task as claimed: `attempt` counts this attempt, `payload` is the submitted input. */
  readonly task: Task;
  /**
   * Fires when the attempt must end: a stop was asked, the timeout passed, or the replica shuts down.
   * `signal.reason` is an Error whose `kind` is `stop`, `timeout`, `shutdown` or `lease-lost` (inline: a
   * TaskAbortReason). A handler that honours it ends promptly. One that ignores it is written off after
   * CANCEL_GRACE_MS (at once at shutdown); an isolated one is then ended for good: its thread is terminated.
   */
  readonly signal: AbortSignal;
  /**
   * Reports how far the attempt has got: `percent` from 0 to 100, and an optional message (at most 500
   * characters). Stored on the task at most every 250 ms (the last value wins) and shown by the API as
   * `progress`. Returns at once; throws a TypeError for a value out of range.
   */
  readonly reportProgress: (percent: number, message?: string) => void;
}

/** A task type: a Nest provider marked with @TaskHandler({ type: 'name' }). */
export interface TaskHandler<Payload = unknown, Result = unknown> {
  /**
   * Checks a payload at submission, so bad input is refused with 400 before anything is stored.
   * Returns the problems found (none: valid).
   */
  validatePayload?(payload: unknown): string[];
  /** Does the work. The returned value (JSON-serialisable) becomes the task's result. */
  run(payload: Payload, context: TaskContext): Promise<Result>;
}

/**
 * The provider of an isolated task type: its work runs in the thread module named by `isolated.module`, so
 * the provider itself only checks payloads (with Nest DI, in the main thread).
 */
export type IsolatedTaskHandlerProvider = Pick<TaskHandler, 'validatePayload'>;

/**
 * A handler that can be ended by force: the wrapper the registry puts around an isolated handler. runAttempt
 * calls `terminate` once an aborted attempt's grace has run out, and then waits for `run` to settle (it does
 * as soon as the thread is gone) rather than leave code behind that may still be running.
 */
export interface TerminableTaskHandler extends TaskHandler {
  terminate(context: TaskContext): void;
}

export function isTerminable(handler: TaskHandler): handler is TerminableTaskHandler {
  return typeof (handler as Partial<TerminableTaskHandler>).terminate === 'function';
}

/** How an isolated task type runs: see docs/handlers.md. */
export interface IsolationOptions {
  /**
   * The ES module each worker thread imports, exporting `run(payload, context)`; write it as
   * `new URL('./my-type.thread.js', import.meta.url)`. It runs without Nest: it gets the same TaskContext
   * (task, its own AbortSignal, reportProgress) and nothing else.
   */
  module: URL;
  /** Limits of each thread (heap sizes, stack): a thread that exceeds them fails its attempt, not the replica. */
  resourceLimits?: ResourceLimits;
}

export interface TaskHandlerOptions {
  /** The task type name clients submit, e.g. "sleep". */
  type: string;
  /** Shown in the OpenAPI document and the dashboard. */
  description?: string;
  /**
   * Run each attempt in a worker thread that a stop can terminate, even when the work never yields. The
   * provider then has no `run()`; the thread module has it.
   */
  isolated?: IsolationOptions;
}

/** Marks a provider as the handler of a task type. Found at start-up by TaskTypeRegistry. */
export const TaskHandler = DiscoveryService.createDecorator<TaskHandlerOptions>();

export type { TaskProgress };
