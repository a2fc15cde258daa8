import createClient from 'openapi-fetch';
import type { Middleware } from 'openapi-fetch';
import { waitUntilTerminal } from './long-poll.js';
import type { paths } from './openapi-types.js';
import { TaskSystemHttpError } from './task-system-http-error.js';
import type {
  ListTasksQuery,
  Queue,
  QueueLimits,
  Schedule,
  ScheduleChange,
  ScheduleDefinition,
  Task,
  TaskAttempt,
  TaskCounts,
  TaskPage,
  TaskSubmission,
  TaskType,
  Worker,
} from './types.js';

export interface TaskSystemClientOptions {
  /** Where the service answers, e.g. `http://tasks.internal:4000` (a path prefix is kept). */
  baseUrl: string;
  /** One of the service's API_KEYS, sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** The fetch to send requests with (a proxy's, a test's); default: the global fetch of Node 18+ and browsers. */
  fetch?: (request: Request) => Promise<Response>;
}

export interface WaitOptions {
  /** How long to wait for the task to end, in ms, over as many requests as it takes. */
  timeoutMs: number;
}

/**
 * Every route of the TaskSystem API. Each method resolves with the response body, typed from the OpenAPI
 * document, and rejects with a TaskSystemHttpError for any status other than 2xx.
 */
export interface TaskSystemClient {
  /** POST /tasks: the task, committed; the task already holding `key` if one does (idempotent repeat). */
  submit(task: TaskSubmission): Promise<Task>;
  /** POST /tasks/batch: 1 to 1,000 tasks stored all or nothing, in the order given. */
  submitBatch(tasks: TaskSubmission[]): Promise<Task[]>;
  /** GET /tasks/:id. */
  get(id: string): Promise<Task>;
  /** GET /tasks: newest first; pass `nextCursor` back as `cursor` for the next page. */
  list(query?: ListTasksQuery): Promise<TaskPage>;
  /**
   * DELETE /tasks/:id: stops the task. A running one is waited for up to `waitMs` (server default 5000, at
   * most 30000). `stopped` is false (a 202) when it had not ended by then: it is still `running`, with
   * `cancelRequestedAt` set, and ends `cancelled` later. An already finished task is a 409 error carrying it.
   */
  stop(id: string, options?: { waitMs?: number }): Promise<{ task: Task; stopped: boolean }>;
  /** POST /tasks/:id/retry: a failed or cancelled task back to `queued`. */
  retry(id: string): Promise<Task>;
  /** GET /tasks/:id/attempts: oldest first. */
  attempts(id: string): Promise<TaskAttempt[]>;
  /** GET /tasks/counts: tasks per status, history included. */
  counts(): Promise<TaskCounts>;
  /** GET /tasks/types: the task types the service accepts. */
  types(): Promise<TaskType[]>;
  /**
   * The task once it is succeeded, failed or cancelled, or as it stands when `timeoutMs` has passed: long
   * polls of GET /tasks/:id?wait=, each held by the server for at most 60 s.
   */
  wait(id: string, options: WaitOptions): Promise<Task>;
  /** submit, then wait: POST /tasks?wait=, then GET /tasks/:id?wait= until the task ends or `timeoutMs` passes. */
  submitAndWait(task: TaskSubmission, options: WaitOptions): Promise<Task>;
  /**
   * GET /workers: the replicas that run tasks (types, slots, slots in use, queues, last heartbeat), live
   * ones first, then those gone in the last hour (`gone`, `goneAt`).
   */
  workers(): Promise<Worker[]>;
  queues: {
    /** GET /queues: queues with tasks or settings, and `default`, with their tasks by status. */
    list(): Promise<Queue[]>;
    /** POST /queues/:name/pause: no replica claims its tasks until it is resumed. */
    pause(name: string): Promise<Queue>;
    /** POST /queues/:name/resume. */
    resume(name: string): Promise<Queue>;
    /** PUT /queues/:name: at most `concurrency` of its tasks run at once on all replicas; null lifts it. */
    setConcurrency(name: string, concurrency: number | null): Promise<Queue>;
    /**
     * PUT /queues/:name: sets the limits given (`concurrency`, `keyConcurrency` per concurrency key,
     * `rateLimit` starts per interval), null lifting one; those left out stay as they are.
     */
    setLimits(name: string, limits: QueueLimits): Promise<Queue>;
  };
  schedules: {
    /** GET /schedules. */
    list(): Promise<Schedule[]>;
    /** POST /schedules. */
    create(schedule: ScheduleDefinition): Promise<Schedule>;
    /** GET /schedules/:name. */
    get(name: string): Promise<Schedule>;
    /** PATCH /schedules/:name: the fields given replace the stored ones. */
    update(name: string, change: ScheduleChange): Promise<Schedule>;
    /** PATCH /schedules/:name with `{"paused": true}`. */
    pause(name: string): Promise<Schedule>;
    /** PATCH /schedules/:name with `{"paused": false}`: from its next occurrence on. */
    resume(name: string): Promise<Schedule>;
    /** DELETE /schedules/:name: the schedule as it was; the tasks it submitted stay. */
    delete(name: string): Promise<Schedule>;
  };
}

/** A typed HTTP client of a TaskSystem service, for any Node 18+ (or browser) code: no Nest, no database. */
export function createTaskSystemClient({ baseUrl, apiKey, fetch }: TaskSystemClientOptions): TaskSystemClient {
  const api = createClient<paths>({
    baseUrl,
    ...(fetch ? { fetch } : {}),
    headers: apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` },
    // The API reads a list as `status=queued,running` (the document's `explode: false`).
    querySerializer: { array: { style: 'form', explode: false } },
  });
  api.use(throwHttpErrors);
  const task = (id: string) => ({ params: { path: { id } } });
  const queue = (name: string) => ({ params: { path: { name } } });
  // `?wait=` of the long-poll routes, added to the URL as is: the document describes it once the
  // controller has it (the contract of issue 12), and this stays right either way.
  const waiting = (waitMs: number) => ({ querySerializer: () => `wait=${waitMs}` });
  const readWaiting = (id: string) => (waitMs: number) =>
    body(api.GET('/tasks/{id}', { ...task(id), ...waiting(waitMs) }));

  const schedules: TaskSystemClient['schedules'] = {
    list: async () => (await body(api.GET('/schedules'))).schedules,
    create: (schedule) => body(api.POST('/schedules', { body: schedule })),
    get: (name) => body(api.GET('/schedules/{name}', queue(name))),
    update: (name, change) => body(api.PATCH('/schedules/{name}', { ...queue(name), body: change })),
    pause: (name) => schedules.update(name, { paused: true }),
    resume: (name) => schedules.update(name, { paused: false }),
    delete: (name) => body(api.DELETE('/schedules/{name}', queue(name))),
  };

  return {
    submit: (submission) => body(api.POST('/tasks', { body: submission })),
    submitBatch: async (tasks) => (await body(api.POST('/tasks/batch', { body: { tasks } }))).tasks,
    get: (id) => body(api.GET('/tasks/{id}', task(id))),
    list: ({ status, ...query } = {}) =>
      body(
        api.GET('/tasks', {
          params: { query: { ...query, status: status === undefined ? undefined : [status].flat() } },
        }),
      ),
    stop: async (id, { waitMs } = {}) => {
      const { data, response } = await api.DELETE('/tasks/{id}', { params: { path: { id }, query: { wait: waitMs } } });
      return { task: data!, stopped: response.status !== 202 };
    },
    retry: (id) => body(api.POST('/tasks/{id}/retry', task(id))),
    attempts: async (id) => (await body(api.GET('/tasks/{id}/attempts', task(id)))).attempts,
    counts: () => body(api.GET('/tasks/counts')),
    types: () => body(api.GET('/tasks/types')),
    wait: (id, { timeoutMs }) => waitUntilTerminal(timeoutMs, readWaiting(id), (current) => readWaiting(current.id)),
    submitAndWait: (submission, { timeoutMs }) =>
      waitUntilTerminal(
        timeoutMs,
        (waitMs) => body(api.POST('/tasks', { body: submission, ...waiting(waitMs) })),
        (current) => readWaiting(current.id),
      ),
    workers: async () => (await body(api.GET('/workers'))).workers,
    queues: {
      list: async () => (await body(api.GET('/queues'))).queues,
      pause: (name) => body(api.POST('/queues/{name}/pause', queue(name))),
      resume: (name) => body(api.POST('/queues/{name}/resume', queue(name))),
      setConcurrency: (name, concurrency) => body(api.PUT('/queues/{name}', { ...queue(name), body: { concurrency } })),
      setLimits: (name, limits) => body(api.PUT('/queues/{name}', { ...queue(name), body: limits })),
    },
    schedules,
  };
}

/** Every answer other than 2xx becomes a TaskSystemHttpError, naming the request it answers. */
const throwHttpErrors: Middleware = {
  async onResponse({ request, response }) {
    if (response.ok) return undefined;
    const text = await response.text();
    throw new TaskSystemHttpError(response.status, parseJson(text), request.method, request.url);
  },
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The body of a 2xx answer (throwHttpErrors has turned any other into an error). */
async function body<T>(pending: Promise<{ data?: T }>): Promise<T> {
  return (await pending).data as T;
}
