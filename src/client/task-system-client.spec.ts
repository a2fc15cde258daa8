import { jest } from '@jest/globals';
import { createTaskSystemClient, TaskSystemHttpError } from './index.js';
import type { Task, TaskStatus } from './index.js';

const BASE_URL = 'http://tasks.test:4000';

function taskWith(status: TaskStatus, id = '7'): Task {
  const at = new Date().toISOString();
  return {
    id,
    type: 'sleep',
    queue: 'default',
    key: null,
    concurrencyKey: null,
    payload: { ms: 100 },
    status,
    priority: 0,
    runAt: at,
    attempt: status === 'queued' ? 0 : 1,
    maxAttempts: 3,
    timeoutMs: null,
    result: status === 'succeeded' ? { slept: 100 } : null,
    error: null,
    cancelRequestedAt: null,
    workerId: status === 'queued' ? null : 'replica/1',
    progress: null,
    createdAt: at,
    startedAt: status === 'queued' ? null : at,
    finishedAt: status === 'succeeded' ? at : null,
  };
}

/**
 * A stand-in for the server's long-poll routes. It records each request and answers with the next status of
 * `statuses` (the last one repeating). A non-terminal answer is held for the whole `?wait=`, as the server
 * holds it, by moving the fake clock on; a terminal one comes at once.
 */
function longPollingServer(
  statuses: TaskStatus[],
  { status = 200, errorBody }: { status?: number; errorBody?: object } = {},
) {
  const requests: { method: string; url: string; body: string; authorization: string | null }[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    requests.push({
      method: request.method,
      url: `${url.pathname}${url.search}`,
      body: await request.text(),
      authorization: request.headers.get('authorization'),
    });
    if (errorBody) return Response.json(errorBody, { status });
    const next = statuses.length > 1 ? statuses.shift()! : statuses[0];
    if (!['succeeded', 'failed', 'cancelled'].includes(next)) {
      jest.setSystemTime(Date.now() + Number(url.searchParams.get('wait')));
    }
    return Response.json(taskWith(next), { status: request.method === 'POST' ? 201 : 200 });
  };
  return { fetch, requests, urls: () => requests.map(({ method, url }) => `${method} ${url}`) };
}

describe('the HTTP client waiting for a task', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-01T09:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('answers as soon as a long poll returns the task finished', async () => {
    const server = longPollingServer(['succeeded']);
    const client = createTaskSystemClient({ baseUrl: BASE_URL, fetch: server.fetch });

    const task = await client.wait('7', { timeoutMs: 300_000 });

    expect(task).toMatchObject({ id: '7', status: 'succeeded', result: { slept: 100 } });
    expect(server.urls()).toEqual(['GET /tasks/7?wait=60000']);
  });

  it('re-issues the long poll in slices of at most 60 s until timeoutMs has passed, then returns the task as it stands', async () => {
    const server = longPollingServer(['running']);
    const client = createTaskSystemClient({ baseUrl: BASE_URL, fetch: server.fetch });
    const started = Date.now();

    const task = await client.wait('7', { timeoutMs: 150_000 });

    expect(task.status).toBe('running');
    expect(server.urls()).toEqual(['GET /tasks/7?wait=60000', 'GET /tasks/7?wait=60000', 'GET /tasks/7?wait=30000']);
    expect(Date.now() - started).toBe(150_000);
  });

  it('stops re-issuing once a slice returns the task finished', async () => {
    const server = longPollingServer(['queued', 'running', 'failed']);
    const client = createTaskSystemClient({ baseUrl: BASE_URL, fetch: server.fetch });

    const task = await client.wait('7', { timeoutMs: 600_000 });

    expect(task.status).toBe('failed');
    expect(server.urls()).toEqual(['GET /tasks/7?wait=60000', 'GET /tasks/7?wait=60000', 'GET /tasks/7?wait=60000']);
  });

  it('reads the task once, without waiting, for timeoutMs 0', async () => {
    const server = longPollingServer(['running']);
    const client = createTaskSystemClient({ baseUrl: BASE_URL, fetch: server.fetch });

    expect((await client.wait('7', { timeoutMs: 0 })).status).toBe('running');
    expect(server.urls()).toEqual(['GET /tasks/7?wait=0']);
  });

  it('refuses a timeout that is not a number of milliseconds from 0, sending nothing', async () => {
    const server = longPollingServer(['running']);
    const client = createTaskSystemClient({ baseUrl: BASE_URL, fetch: server.fetch });

    await expect(client.wait('7', { timeoutMs: -1 })).rejects.toThrow(RangeError);
    await expect(client.submitAndWait({ type: 'sleep' }, { timeoutMs: Number.NaN })).rejects.toThrow(RangeError);
    expect(server.requests).toEqual([]);
  });

  it('submits with ?wait= and the API key, then long-polls the new task until it ends', async () => {
    const server = longPollingServer(['running', 'succeeded']);
    const client = createTaskSystemClient({
      baseUrl: `${BASE_URL}/`,
      apiKey: 'key-of-sixteen-chars',
      fetch: server.fetch,
    });

    const task = await client.submitAndWait({ type: 'sleep', payload: { ms: 100 } }, { timeoutMs: 90_000 });

    expect(task.status).toBe('succeeded');
    expect(server.urls()).toEqual(['POST /tasks?wait=60000', 'GET /tasks/7?wait=30000']);
    expect(JSON.parse(server.requests[0].body)).toEqual({ type: 'sleep', payload: { ms: 100 } });
    expect(server.requests.map(({ authorization }) => authorization)).toEqual(
      Array(2).fill('Bearer key-of-sixteen-chars'),
    );
  });

  it('rejects with a TaskSystemHttpError naming the status, message and request', async () => {
    const errorBody = { statusCode: 404, error: 'Not Found', message: 'task 7 does not exist' };
    const server = longPollingServer([], { status: 404, errorBody });
    const client = createTaskSystemClient({ baseUrl: BASE_URL, fetch: server.fetch });

    const failure: unknown = await client.wait('7', { timeoutMs: 1000 }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TaskSystemHttpError);
    expect(failure).toMatchObject({
      status: 404,
      message: 'task 7 does not exist',
      code: undefined,
      body: errorBody,
      method: 'GET',
      url: `${BASE_URL}/tasks/7?wait=1000`,
    });
  });
});

describe('the HTTP client stopping a task', () => {
  it('says stopped: false when the server answers 202, the task still running', async () => {
    const requests: string[] = [];
    const client = createTaskSystemClient({
      baseUrl: BASE_URL,
      fetch: (request) => {
        requests.push(`${request.method} ${new URL(request.url).pathname}${new URL(request.url).search}`);
        return Promise.resolve(
          Response.json({ ...taskWith('running'), cancelRequestedAt: new Date().toISOString() }, { status: 202 }),
        );
      },
    });

    const { task, stopped } = await client.stop('7', { waitMs: 0 });

    expect(stopped).toBe(false);
    expect(task.status).toBe('running');
    expect(task.cancelRequestedAt).not.toBeNull();
    expect(requests).toEqual(['DELETE /tasks/7?wait=0']);
  });
});
