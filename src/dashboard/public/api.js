/**
 * The task API as the page uses it. Every request carries the API key if there is one; a 401 asks for a
 * key and retries. Any other failure is an ApiError whose message is the server's own (Nest's
 * `{statusCode, error, message}`), so the page can show it as it is.
 */
export class ApiError extends Error {
  constructor(status, message, body = null) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function messageOf(status, body) {
  const message = body && typeof body === 'object' ? body.message : undefined;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  return status === 0 ? 'the service cannot be reached' : `the service answered HTTP ${status}`;
}

export function createApi(auth) {
  /** Returns `{status, body}` for a 2xx answer or one of `accept`; throws ApiError otherwise. */
  async function request(method, path, { body, accept = [] } = {}) {
    for (;;) {
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
        throw new ApiError(0, `the service cannot be reached (${error.message})`);
      }
      const text = await response.text();
      let parsed = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      if (response.status === 401) {
        await auth.askForKey(messageOf(401, parsed));
        continue;
      }
      if (response.ok || accept.includes(response.status)) return { status: response.status, body: parsed };
      throw new ApiError(response.status, messageOf(response.status, parsed), parsed);
    }
  }

  return {
    request,
    listTasks: async ({ status, type, queue, cursor, limit }) => {
      const query = new URLSearchParams();
      if (status) query.set('status', status);
      if (type) query.set('type', type);
      if (queue) query.set('queue', queue);
      if (limit) query.set('limit', String(limit));
      if (cursor) query.set('cursor', cursor);
      const suffix = query.toString() ? `?${query}` : '';
      return (await request('GET', `/tasks${suffix}`)).body;
    },
    getTask: async (id) => (await request('GET', `/tasks/${encodeURIComponent(id)}`)).body,
    /** Asks for the stop and returns at once (wait=0): the page shows `cancelling…` until the task ends. */
    stopTask: async (id) => request('DELETE', `/tasks/${encodeURIComponent(id)}?wait=0`, { accept: [409] }),
    /** `{status, body}`: 201 a new task, 200 the task that already holds the submission's key. */
    submitTask: async (submission) => request('POST', '/tasks', { body: submission }),
    /** A failed or cancelled task back to `queued`; a 409 (any other status) is thrown with its message. */
    retryTask: async (id) => (await request('POST', `/tasks/${encodeURIComponent(id)}/retry`)).body,
    /** `{queues: [{name, paused, concurrency, counts}]}`. */
    queues: async () => (await request('GET', '/queues')).body,
    setQueuePaused: async (name, paused) =>
      (await request('POST', `/queues/${encodeURIComponent(name)}/${paused ? 'pause' : 'resume'}`)).body,
    /** The queue's cluster-wide concurrency limit; null lifts it. */
    setQueueLimit: async (name, concurrency) =>
      (await request('PUT', `/queues/${encodeURIComponent(name)}`, { body: { concurrency } })).body,
    /** `{schedules: [...]}`, by name. */
    schedules: async () => (await request('GET', '/schedules')).body,
    setSchedulePaused: async (name, paused) =>
      (await request('PATCH', `/schedules/${encodeURIComponent(name)}`, { body: { paused } })).body,
    /** Registered task types, or null while the service has no such route. */
    taskTypes: async () => optional(() => request('GET', '/tasks/types')),
    /** Counts by status, or null while the service has no such route. */
    counts: async () => optional(() => request('GET', '/tasks/counts')),
    /** A task's attempt history, or null while the service has no such route. */
    attempts: async (id) => optional(() => request('GET', `/tasks/${encodeURIComponent(id)}/attempts`)),
  };
}

/**
 * Routes that later issues add: until they exist the service answers 404, or 400 because the word is
 * read as a task id (`/tasks/types`). Either means "not available here", not an error to show.
 */
async function optional(call) {
  try {
    return (await call()).body;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return null;
    throw error;
  }
}
