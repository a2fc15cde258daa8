import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

/** The HTTP contract of submitting, listing and reading tasks. Workers are off: nothing runs here. */
describe('tasks API', () => {
  let database: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
  });

  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  const storedCount = async (): Promise<number> =>
    Number((await database.query<{ n: string }>('SELECT count(*) AS n FROM tasks'))[0].n);

  describe('POST /tasks', () => {
    it('accepts the original shorthand sent as form data, like curl -d does, as a demo task', async () => {
      const response = await api.http
        .post('/tasks')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('{"name": "Jean", "number": "42"}')
        .expect(201);
      expect(response.body).toMatchObject({
        id: expect.stringMatching(/^[0-9]+$/),
        type: 'demo',
        queue: 'default',
        payload: { name: 'Jean', number: '42' },
        status: 'queued',
        priority: 0,
        attempt: 0,
        maxAttempts: 3,
        timeoutMs: null,
        result: null,
        error: null,
        cancelRequestedAt: null,
        workerId: null,
      });
      expect(new Date(response.body.createdAt).toISOString()).toBe(response.body.createdAt);
    });

    it('accepts a canonical body and stores every field', async () => {
      const runAt = '2030-01-02T03:04:05.000Z';
      const response = await api.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 10 }, priority: 7, runAt, maxAttempts: 5, timeoutMs: 60_000 })
        .expect(201);
      expect(response.body).toMatchObject({
        type: 'sleep',
        payload: { ms: 10 },
        priority: 7,
        runAt,
        maxAttempts: 5,
        timeoutMs: 60_000,
      });
      const fetched = await api.http.get(`/tasks/${response.body.id}`).expect(200);
      // A read adds why the queued task waits (test/waiting.e2e-spec.ts).
      expect(fetched.body).toEqual({ ...response.body, waiting: expect.objectContaining({ reason: 'scheduled' }) });
    });

    it('treats an empty body as a default task with an empty payload', async () => {
      const response = await api.http.post('/tasks').expect(201);
      expect(response.body).toMatchObject({ type: 'demo', payload: {} });
    });

    it.each([
      ['a body that is not JSON', '{"name": ', /not valid JSON/],
      ['a JSON array', '[1, 2]', /must be a JSON object/],
      ['a JSON string', '"hello"', /must be a JSON object/],
      ['an unknown type', '{"type": "nope"}', /unknown task type "nope"; known types: cpu, demo, fail, sleep/],
      [
        'canonical fields mixed with unknown ones',
        '{"type": "demo", "name": "Jean", "colour": 1}',
        /unknown field\(s\) "name", "colour"/,
      ],
      ['a priority out of range', '{"priority": 101}', /priority must not be greater than 100/],
      ['a fractional priority', '{"priority": 1.5}', /priority must be an integer/],
      ['maxAttempts of 0', '{"maxAttempts": 0}', /maxAttempts must not be less than 1/],
      ['a negative timeout', '{"timeoutMs": -5}', /timeoutMs must not be less than 1/],
      ['a runAt that is no date', '{"runAt": "tomorrow"}', /runAt must be an ISO-8601 date-time/],
      [
        'a runAt without a time zone',
        '{"runAt": "2030-01-01T00:00:00"}',
        /runAt must be an ISO-8601 date-time with Z or an offset/,
      ],
      ['a payload with \\u0000, which PostgreSQL cannot store', '{"name": "a\\u0000b"}', /cannot store/],
      ['a payload with an unpaired surrogate', '{"payload": "\\ud800"}', /cannot store/],
      ['a sleep payload without ms', '{"type": "sleep", "payload": {}}', /payload.ms is required/],
      ['a type that is not a string', '{"type": 5}', /type must be a string/],
    ])('refuses %s with 400 naming the problem, storing nothing', async (_, body, message) => {
      const before = await storedCount();
      const response = await api.http.post('/tasks').set('Content-Type', 'application/json').send(body).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect([response.body.message].flat().join('\n')).toMatch(message);
      expect(await storedCount()).toBe(before);
    });

    it('refuses a payload over 64 KiB with 413, storing nothing', async () => {
      const before = await storedCount();
      const response = await api.http
        .post('/tasks')
        .send({ type: 'demo', payload: { blob: 'x'.repeat(64 * 1024) } })
        .expect(413);
      expect(response.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      expect(response.body.message).toMatch(/limit is 65536 bytes/);
      expect(await storedCount()).toBe(before);
    });

    it('refuses a body far over the limit with 413 before reading it all', async () => {
      const response = await api.http
        .post('/tasks')
        .send({ payload: 'x'.repeat(2 * 1024 * 1024) })
        .expect(413);
      expect(response.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    });

    it('refuses a shorthand payload just over 64 KiB with 413, storing nothing', async () => {
      const before = await storedCount();
      const body = JSON.stringify({ blob: 'x'.repeat(65 * 1024) });
      const response = await api.http.post('/tasks').set('Content-Type', 'text/plain').send(body).expect(413);
      expect(response.body.message).toMatch(/the limit is 65536 bytes/);
      expect(await storedCount()).toBe(before);
    });

    it('ignores a stray body on routes that take none', async () => {
      const id = (await api.http.post('/tasks').send({}).expect(201)).body.id as string;
      await api.http.delete(`/tasks/${id}`).set('Content-Type', 'text/plain').send('not json').expect(200);
      await api.http.post('/nowhere').set('Content-Type', 'text/plain').send('not json').expect(404);
    });
  });

  describe('POST /tasks/batch', () => {
    it('stores up to 1,000 tasks in one go, in the order given', async () => {
      const tasks = Array.from({ length: 1000 }, (_, i) => ({ type: 'sleep', payload: { ms: i }, priority: i % 3 }));
      const response = await api.http
        .post('/tasks/batch')
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify({ tasks }))
        .expect(201);
      const stored = response.body.tasks as { id: string; payload: { ms: number }; priority: number; status: string }[];
      expect(stored).toHaveLength(1000);
      expect(stored.map((task) => task.payload.ms)).toEqual(tasks.map((task) => task.payload.ms));
      expect(stored.map((task) => task.priority)).toEqual(tasks.map((task) => task.priority));
      const ids = stored.map((task) => BigInt(task.id));
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
      expect(new Set(stored.map((task) => task.status))).toEqual(new Set(['queued']));
      expect((await api.http.get(`/tasks/${stored[999].id}`).expect(200)).body).toEqual({
        ...stored[999],
        waiting: expect.objectContaining({ reason: expect.any(String) }),
      });
    });

    it.each([
      [
        'a bad item',
        { tasks: [{ type: 'demo' }, { type: 'demo' }, { priority: 500 }] },
        /^tasks\[2\]: priority must not be greater than 100$/,
      ],
      ['an item of unknown type', { tasks: [{}, { type: 'nope' }] }, /^tasks\[1\]: unknown task type "nope"/],
      [
        'an item with an invalid payload',
        { tasks: [{ type: 'sleep', payload: { ms: -1 } }] },
        /^tasks\[0\]: payload.ms must be an integer/,
      ],
      ['a shorthand item', { tasks: [{ name: 'Jean' }] }, /^tasks\[0\]: unknown field\(s\) "name"/],
      ['an item that is not an object', { tasks: [{}, 7] }, /^tasks\[1\]: must be a JSON object$/],
      ['an empty batch', { tasks: [] }, /tasks must hold 1 to 1000 tasks, got 0/],
      [
        'a batch of 1,001',
        { tasks: Array.from({ length: 1001 }, () => ({})) },
        /tasks must hold 1 to 1000 tasks, got 1001/,
      ],
      ['a body without "tasks"', { items: [] }, /body must be a JSON object \{"tasks": \[\.\.\.\]\}/],
      ['a field beside "tasks"', { tasks: [{}], wait: true }, /unknown field\(s\) "wait"/],
    ])('refuses %s with 400 naming it, storing nothing', async (_, body, message) => {
      const before = await storedCount();
      const response = await api.http.post('/tasks/batch').send(body).expect(400);
      expect([response.body.message].flat().join('\n')).toMatch(message);
      expect(await storedCount()).toBe(before);
    });

    it('refuses a batch with one payload over the limit with 413 naming its index, storing nothing', async () => {
      const before = await storedCount();
      const tasks = [{ payload: 'small' }, { payload: 'x'.repeat(70 * 1024) }];
      const response = await api.http.post('/tasks/batch').send({ tasks }).expect(413);
      expect(response.body.message).toMatch(/^tasks\[1\]: payload is \d+ bytes; the limit is 65536 bytes$/);
      expect(await storedCount()).toBe(before);
    });
  });

  describe('GET /tasks', () => {
    it('lists newest first, pages with a cursor, and filters by status and type', async () => {
      await database.query('DELETE FROM tasks');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await api.http
          .post('/tasks')
          .send({ type: i % 2 ? 'sleep' : 'fail', payload: i % 2 ? { ms: 1 } : {} })
          .expect(201);
        ids.push(response.body.id);
      }
      await api.http.delete(`/tasks/${ids[0]}`).expect(200);

      const first = await api.http.get('/tasks?limit=2').expect(200);
      expect(first.body.tasks.map((t: { id: string }) => t.id)).toEqual([ids[4], ids[3]]);
      expect(first.body.nextCursor).toBe(ids[3]);
      const second = await api.http.get(`/tasks?limit=2&cursor=${first.body.nextCursor}`).expect(200);
      expect(second.body.tasks.map((t: { id: string }) => t.id)).toEqual([ids[2], ids[1]]);
      const last = await api.http.get(`/tasks?limit=2&cursor=${second.body.nextCursor}`).expect(200);
      expect(last.body).toEqual({ tasks: [expect.objectContaining({ id: ids[0] })], nextCursor: null });

      const cancelled = await api.http.get('/tasks?status=cancelled').expect(200);
      expect(cancelled.body.tasks.map((t: { id: string }) => t.id)).toEqual([ids[0]]);
      const several = await api.http.get('/tasks?status=queued,cancelled&type=fail').expect(200);
      expect(several.body.tasks.map((t: { id: string }) => t.id)).toEqual([ids[4], ids[2], ids[0]]);
      const running = await api.http.get('/tasks?status=running').expect(200);
      expect(running.body).toEqual({ tasks: [], nextCursor: null });
    });

    it.each([
      ['status=done', /status must be one or more of queued, running, succeeded, failed, cancelled/],
      ['limit=0', /limit must not be less than 1/],
      ['limit=501', /limit must not be greater than 500/],
      ['limit=ten', /limit must be an integer/],
      ['cursor=abc', /cursor must be the nextCursor of a previous page/],
      ['cursor=9999999999999999999', /cursor must be the nextCursor of a previous page/],
      ['colour=red', /property colour should not exist/],
    ])('refuses ?%s with 400 naming the problem', async (query, message) => {
      const response = await api.http.get(`/tasks?${query}`).expect(400);
      expect([response.body.message].flat().join('\n')).toMatch(message);
    });
  });

  describe('GET /tasks/:id', () => {
    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      const missing = await api.http.get('/tasks/987654321').expect(404);
      expect(missing.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'task 987654321 does not exist' });
      for (const bad of ['abc', '-1', '0', '1.5', '99999999999999999999']) {
        const response = await api.http.get(`/tasks/${bad}`).expect(400);
        expect(response.body.message).toMatch(/task id must be a positive integer/);
      }
    });
  });

  it('gives every request an id, keeping one the client sent', async () => {
    const fresh = await api.http.get('/tasks').expect(200);
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await api.http.get('/tasks').set('X-Request-Id', 'client-chosen.42').expect(200);
    expect(kept.headers['x-request-id']).toBe('client-chosen.42');
    const replaced = await api.http.get('/tasks').set('X-Request-Id', 'no spaces <allowed>').expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 404 JSON for any other route', async () => {
    const response = await api.http.get('/nowhere').expect(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('serves the OpenAPI document describing every route, and the Swagger UI', async () => {
    const document = (await api.http.get('/docs-json').expect(200)).body;
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths).sort()).toEqual([
      '/health',
      '/health/live',
      '/health/ready',
      '/metrics',
      '/queues',
      '/queues/{name}',
      '/queues/{name}/pause',
      '/queues/{name}/resume',
      '/schedules',
      '/schedules/{name}',
      '/tasks',
      '/tasks/batch',
      '/tasks/counts',
      '/tasks/events',
      '/tasks/types',
      '/tasks/{id}',
      '/tasks/{id}/attempts',
      '/tasks/{id}/retry',
      '/workers',
    ]);
    expect(Object.keys(document.paths['/tasks/events'].get.responses['200'].content)).toEqual(['text/event-stream']);
    expect(Object.keys(document.paths['/tasks']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/tasks/batch'].post.responses).sort()).toEqual([
      '201',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '429',
      '503',
    ]);
    expect(Object.keys(document.paths['/tasks/{id}']).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(document.paths['/tasks/{id}'].delete.responses).sort()).toEqual([
      '200',
      '202',
      '400',
      '401',
      '403',
      '404',
      '409',
      '429',
      '503',
    ]);
    expect(Object.keys(document.paths['/tasks'].post.responses).sort()).toEqual([
      '200',
      '201',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '429',
      '503',
    ]);
    expect(document.components.schemas.TaskDto.properties.status.enum).toEqual([
      'queued',
      'running',
      'succeeded',
      'failed',
      'cancelled',
    ]);
    const ui = await api.http.get('/docs').expect(200);
    expect(ui.text).toMatch(/swagger-ui/i);
  });

  it('reports health: up while the database answers', async () => {
    const response = await api.http.get('/health').expect(200);
    expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    await api.http.get('/health/live').expect(200);
    const ready = await api.http.get('/health/ready').expect(200);
    expect(ready.body.info).toMatchObject({ database: { status: 'up' }, notifications: { status: 'up' } });
  });
});
