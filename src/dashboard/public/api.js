/**
 * The task API as the page uses it. Every request carries the API key if there is one; a 401 asks for a
 * key and retries. Any other failure is an ApiError whose message is the server's own (Nest's
 * `{statusCode, error, message}`), so the page can show it as it is.
 *
 * The JSON types below say what each route answers (src/dashboard/api-json.ts); they are trusted as the
 * service's documented answers, not checked field by field.
 */
import { messageOf } from './dom.js';
/** @import { Auth } from './auth.js' */
/**
 * @import { ErrorBodyJson, QueueJson, ScheduleJson, TaskAttemptsJson, TaskCountsJson, TaskJson, TaskPageJson,
 *   TaskSubmissionJson, TaskTypeJson, WorkerJson } from '../api-json.js'
 */

export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status; 0 when the service could not be reached
   * @param {string} message
   * @param {ErrorBodyJson | null} [body] the error's body as the service sent it
   */
  constructor(status, message, body = null) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/**
 * The message of an error body in Nest's shape (several problems joined), if the body has one.
 * @param {unknown} body
 * @returns {string | undefined}
 */
export function serverMessage(body) {
  const message = body && typeof body === 'object' && 'message' in body ? body.message : undefined;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  return undefined;
}

/**
 * @param {number} status
 * @param {unknown} body
 */
function describeFailure(status, body) {
  return serverMessage(body) ?? `the service answered HTTP ${status}`;
}

/**
 * An answer: its status and its JSON body (null when empty or not JSON).
 * @typedef {{ status: number, body: unknown }} Answer
 */

/** @param {Auth} auth */
export function createApi(auth) {
  /**
   * Returns the answer for a 2xx status or one of `accept`; throws ApiError otherwise.
   * @param {string} method
   * @param {string} path
   * @param {{ body?: unknown, accept?: number[] }} [options]
   * @returns {Promise<Answer>}
   */
  async function request(method, path, { body, accept = [] } = {}) {
    for (;;) {
      /** @type {Record<string, string>} */
      const headers = { Accept: 'application/json', ...auth.headers() };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let response;
      try {
        response = await fetch(path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          cache: 'no-store',
        });
      } catch (error) {
        throw new ApiError(0, `the service cannot be reached (${messageOf(error)})`);
      }
      const text = await response.text();
      /** @type {unknown} */
      let parsed;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      if (response.status === 401) {
        await auth.askForKey(describeFailure(401, parsed));
        continue;
      }
      if (response.ok || accept.includes(response.status)) return { status: response.status, body: parsed };
      throw new ApiError(
        response.status,
        describeFailure(response.status, parsed),
        /** @type {ErrorBodyJson | null} */ (parsed),
      );
    }
  }

  return {
    request,
    /**
     * @param {{ status?: string, type?: string, queue?: string, cursor?: string | null, limit?: number }} query
     * @returns {Promise<TaskPageJson>}
     */
    listTasks: async ({ status, type, queue, cursor, limit }) => {
      const query = new URLSearchParams();
      if (status) query.set('status', status);
      if (type) query.set('type', type);
      if (queue) query.set('queue', queue);
      if (limit) query.set('limit', String(limit));
      if (cursor) query.set('cursor', cursor);
      const suffix = query.toString() ? `?${query}` : '';
      return /** @type {TaskPageJson} */ ((await request('GET', `/tasks${suffix}`)).body);
    },
    /**
     * @param {string} id
     * @returns {Promise<TaskJson>}
     */
    getTask: async (id) => /** @type {TaskJson} */ ((await request('GET', `/tasks/${encodeURIComponent(id)}`)).body),
    /**
     * Asks for the stop and returns at once (wait=0): the page shows `cancelling…` until the task ends.
     * A task that had already ended answers 409 with the task as it is.
     * @param {string} id
     * @returns {Promise<{ alreadyEnded: false, task: TaskJson } | { alreadyEnded: true, task: TaskJson | undefined }>}
     */
    stopTask: async (id) => {
      const { status, body } = await request('DELETE', `/tasks/${encodeURIComponent(id)}?wait=0`, { accept: [409] });
      return status === 409
        ? { alreadyEnded: true, task: /** @type {ErrorBodyJson | null} */ (body)?.task }
        : { alreadyEnded: false, task: /** @type {TaskJson} */ (body) };
    },
    /**
     * `created`: true for a new task (201), false for the task that already holds the submission's key (200).
     * @param {TaskSubmissionJson} submission
     * @returns {Promise<{ created: boolean, task: TaskJson }>}
     */
    submitTask: async (submission) => {
      const { status, body } = await request('POST', '/tasks', { body: submission });
      return { created: status !== 200, task: /** @type {TaskJson} */ (body) };
    },
    /**
     * A failed or cancelled task back to `queued`; a 409 (any other status) is thrown with its message.
     * @param {string} id
     * @returns {Promise<TaskJson>}
     */
    retryTask: async (id) =>
      /** @type {TaskJson} */ ((await request('POST', `/tasks/${encodeURIComponent(id)}/retry`)).body),
    /** @returns {Promise<{ queues: QueueJson[] }>} */
    queues: async () => /** @type {{ queues: QueueJson[] }} */ ((await request('GET', '/queues')).body),
    /**
     * @param {string} name
     * @param {boolean} paused
     * @returns {Promise<QueueJson>}
     */
    setQueuePaused: async (name, paused) =>
      /** @type {QueueJson} */ (
        (await request('POST', `/queues/${encodeURIComponent(name)}/${paused ? 'pause' : 'resume'}`)).body
      ),
    /**
     * The queue's cluster-wide concurrency limit; null lifts it.
     * @param {string} name
     * @param {number | null} concurrency
     * @returns {Promise<QueueJson>}
     */
    setQueueLimit: async (name, concurrency) =>
      /** @type {QueueJson} */ (
        (await request('PUT', `/queues/${encodeURIComponent(name)}`, { body: { concurrency } })).body
      ),
    /**
     * The replicas that run tasks: live ones first, then those gone in the last hour.
     * @returns {Promise<WorkerJson[]>}
     */
    workers: async () => /** @type {{ workers: WorkerJson[] }} */ ((await request('GET', '/workers')).body).workers,
    /**
     * By name.
     * @returns {Promise<{ schedules: ScheduleJson[] }>}
     */
    schedules: async () => /** @type {{ schedules: ScheduleJson[] }} */ ((await request('GET', '/schedules')).body),
    /**
     * @param {string} name
     * @param {boolean} paused
     * @returns {Promise<ScheduleJson>}
     */
    setSchedulePaused: async (name, paused) =>
      /** @type {ScheduleJson} */ (
        (await request('PATCH', `/schedules/${encodeURIComponent(name)}`, { body: { paused } })).body
      ),
    /**
     * Registered task types, or null while the service has no such route.
     * @returns {Promise<TaskTypeJson[] | null>}
     */
    taskTypes: async () => /** @type {TaskTypeJson[] | null} */ (await optional(() => request('GET', '/tasks/types'))),
    /**
     * Counts by status, or null while the service has no such route.
     * @returns {Promise<TaskCountsJson | null>}
     */
    counts: async () => /** @type {TaskCountsJson | null} */ (await optional(() => request('GET', '/tasks/counts'))),
    /**
     * A task's attempt history, or null while the service has no such route.
     * @param {string} id
     * @returns {Promise<TaskAttemptsJson | null>}
     */
    attempts: async (id) =>
      /** @type {TaskAttemptsJson | null} */ (
        await optional(() => request('GET', `/tasks/${encodeURIComponent(id)}/attempts`))
      ),
  };
}

/** @typedef {ReturnType<typeof createApi>} Api */

/**
 * Routes that later issues add: until they exist the service answers 404, or 400 because the word is
 * read as a task id (`/tasks/types`). Either means "not available here", not an error to show.
 * @param {() => Promise<Answer>} call
 * @returns {Promise<unknown>} the answer's body, or null
 */
async function optional(call) {
  try {
    return (await call()).body;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return null;
    throw error;
  }
}
