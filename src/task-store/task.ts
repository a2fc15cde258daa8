/** A task as stored and as the API shows it (see the contract's Task table). */
export const TASK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Terminal statuses never change again. */
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

export const isTerminal = (status: TaskStatus): boolean => TERMINAL_STATUSES.includes(status);

/** What counting by status starts from: 0 for each status (all of them by default), so an empty one still shows. */
export function zeroCounts(): Record<TaskStatus, number>;
export function zeroCounts<S extends TaskStatus>(statuses: readonly S[]): Record<S, number>;
export function zeroCounts(statuses: readonly TaskStatus[] = TASK_STATUSES): Partial<Record<TaskStatus, number>> {
  return Object.fromEntries(statuses.map((status) => [status, 0]));
}

export interface TaskError {
  message: string;
  [detail: string]: unknown;
}

export interface TaskProgress {
  percent: number;
  message?: string;
}

export interface Task {
  /** bigint identity, kept as a string end to end so no precision is lost. */
  id: string;
  type: string;
  queue: string;
  key: string | null;
  /** Tasks with the same key form a lane: claims take lanes in turn, and a queue may limit each key. */
  concurrencyKey: string | null;
  payload: unknown;
  status: TaskStatus;
  priority: number;
  runAt: Date;
  attempt: number;
  maxAttempts: number;
  timeoutMs: number | null;
  result: unknown;
  error: TaskError | null;
  cancelRequestedAt: Date | null;
  workerId: string | null;
  progress: TaskProgress | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Why a queued task has not started yet, as GET /tasks/:id and the list read it; absent otherwise. */
  waiting?: Waiting;
}

/**
 * Why a queued task waits, the first that holds in this order (docs/design.md, "Why is it waiting?"):
 * a replica claimed it ahead into its buffer and starts it when one of its slots frees, its runAt is ahead (`scheduled` before a first attempt, `retry-backoff` after a failed one), its queue
 * is paused, no live replica runs its type in its queue, its queue or its key is at its concurrency limit,
 * its rate limit's window is full; else it is `ready` and waits for a free slot.
 */
export const WAITING_REASONS = [
  'buffered',
  'scheduled',
  'retry-backoff',
  'queue-paused',
  'no-worker',
  'queue-limit',
  'key-limit',
  'rate-limited',
  'ready',
] as const;
export type WaitingReason = (typeof WAITING_REASONS)[number];

export interface Waiting {
  reason: WaitingReason;
  /** For a human: the reason with its figures ("2 of 2 tasks with key tenant-7 are running"). */
  message: string;
  /** When it can start, when known: its runAt, or when a rate limit's window lets one more start. */
  until?: Date;
  /** `ready` tasks read one by one: 1 = next in its lane; counted up to 1,000 before it (1001: more). */
  position?: number;
}

export const DEFAULT_QUEUE = 'default';

/** One attempt of a task: from task_attempts, or the task's current one. */
export interface TaskAttempt {
  attempt: number;
  workerId: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  error: TaskError | null;
  startedAt: Date;
  finishedAt: Date | null;
}

/** A task without its payload and result: what the event stream sends. */
export type TaskSummary = Omit<Task, 'payload' | 'result'>;

/**
 * The span that submitted a task, as the task stores it (tasks.trace_context): W3C Trace Context headers,
 * so that its attempts continue that trace on whichever replica runs them (src/tracing/).
 */
export interface StoredTraceContext {
  traceparent: string;
  tracestate?: string;
}

/** A task with the trace it belongs to (null: none), as a claim and a stop return it; never shown by the API. */
export interface TracedTask extends Task {
  traceContext: StoredTraceContext | null;
}

/** What a submission stores; everything else starts at its column default. */
export interface NewTask {
  type: string;
  /** The named queue; default `default`. */
  queue: string;
  /** Idempotency key, or null. */
  key: string | null;
  /** Concurrency key (a tenant, an account…), or null. */
  concurrencyKey: string | null;
  payload: unknown;
  priority: number;
  runAt: Date | null;
  maxAttempts: number;
  timeoutMs: number | null;
  /** The id of the HTTP request that submits it (null: none), named in the task's log lines. */
  requestId: string | null;
  /** The trace its attempts continue; absent or null: none (tracing is off, or nothing traced the submission). */
  traceContext?: StoredTraceContext | null;
}
