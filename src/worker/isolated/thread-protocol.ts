import type { Task, TaskProgress } from '../../task-store/task.js';

/**
 * The messages between the main thread and a task's worker thread. Everything crosses by structured clone,
 * so errors cross as plain data (an Error's own properties beyond these would not survive the trip).
 */

/** Given to each thread at creation: it serves one task type, whose module it imports once. */
export interface ThreadData {
  moduleUrl: string;
}

/** An Error as data: name, message and stack, plus the abort kind when it is an abort reason. */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
  kind?: string;
}

export type ToThread = { kind: 'run'; task: Task } | { kind: 'abort'; reason: ErrorData };

export type FromThread =
  | { kind: 'progress'; progress: TaskProgress }
  | { kind: 'result'; value: unknown }
  | { kind: 'error'; error: ErrorData };

export function toErrorData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { kind } = error as Error & { kind?: unknown };
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(typeof kind === 'string' ? { kind } : {}),
  };
}

/** Rebuilds an Error on the other side, keeping its name, stack and abort kind. */
export function fromErrorData(data: ErrorData): Error {
  const error = new Error(data.message) as Error & { kind?: string };
  error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  if (data.kind !== undefined) error.kind = data.kind;
  return error;
}
