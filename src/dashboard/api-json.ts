/**
 * The API's JSON as the dashboard's browser modules receive and send it, for their JSDoc types
 * (tsconfig.dashboard.json). Derived from the service's own types where they are self-contained, so a change
 * to a task or schedule field fails the dashboard's type check rather than the page. Types only: nothing here
 * reaches the browser.
 */
import type { Schedule } from '../schedules/schedule.js';
import type { Task, TaskAttempt, TaskStatus, WaitingReason } from '../task-store/task.js';
import type { WorkerView } from '../workers/worker.js';

/** A value as JSON carries it: a Date becomes its ISO-8601 string. */
export type Json<T> = T extends Date
  ? string
  : T extends readonly (infer Item)[]
    ? Json<Item>[]
    : T extends object
      ? { [Field in keyof T]: Json<T[Field]> }
      : T;

export type { TaskStatus };

/** GET /tasks/:id, and each task of GET /tasks. */
export type TaskJson = Json<Task>;

/** A task as the event stream's `task` events send it: without payload and result. */
export type TaskSummaryJson = Omit<TaskJson, 'payload' | 'result'>;

/** GET /tasks. */
export interface TaskPageJson {
  tasks: TaskJson[];
  nextCursor: string | null;
}

/** GET /tasks/:id/attempts. */
export interface TaskAttemptsJson {
  attempts: Json<TaskAttempt>[];
}

/** GET /tasks/types. */
export interface TaskTypeJson {
  type: string;
  description: string | null;
}

/** The `counts` event and GET /tasks/counts: tasks per status. */
export type TaskCountsJson = Record<TaskStatus, number>;

/** The `throughput` event: tasks that ended in the second before `at`. */
export interface ThroughputJson {
  at: string;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** POST /tasks: the canonical body, as the submit form fills it. */
export interface TaskSubmissionJson {
  type: string;
  payload: unknown;
  priority?: number;
  runAt?: string;
  queue?: string;
  key?: string;
  concurrencyKey?: string;
}

/** Each queue of GET /queues, and the answer of pause, resume and PUT /queues/:name. */
export interface QueueJson {
  name: string;
  paused: boolean;
  concurrency: number | null;
  keyConcurrency: number | null;
  rateLimit: { limit: number; intervalMs: number; perKey: boolean } | null;
  counts: Record<TaskStatus, number>;
  /** Its queued tasks by why they wait. */
  waiting: Record<WaitingReason, number>;
}

/** Each replica of GET /workers. */
export type WorkerJson = Json<WorkerView>;

/** GET /schedules, and PATCH /schedules/:name. */
export type ScheduleJson = Json<Schedule>;

/** Every error's body (Nest's shape); a 409 about a task carries the task. */
export interface ErrorBodyJson {
  statusCode: number;
  error: string;
  message: string | string[];
  task?: TaskJson;
}
