import { TaskRefusedError } from '../src/errors/task.errors.js';
import { TaskSystem } from '../src/tasks/task-system.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

/**
 * What an outside probe of hostile input found (issue 14): payload keys that are Object.prototype's names,
 * deep nesting, NUL characters, upper-case paths, prototype-named query parameters and numbers JSON cannot
 * carry. Each is stored exactly as sent or refused with a 4xx naming it, never a 500, and a refusal stores
 * nothing. Workers are off: nothing runs here.
 */
describe('hostile input', () => {
  let database: TestDatabase;
  let api: TestApp;
  let system: TaskSystem;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    system = api.app.get(TaskSystem);
  });

  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  const count = async (table: 'tasks' | 'schedules' | 'queues'): Promise<number> =>
    Number((await database.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const storedTasks = (): Promise<number> => count('tasks');

  /** Sends `body` as it is written, not re-serialised by the test's HTTP client. */
  const send = (method: 'post' | 'put' | 'patch', path: string, body: string) =>
    api.http[method](path).set('Content-Type', 'application/json').send(body);

  const messageOf = (response: { body: { message?: unknown } }): string => [response.body.message].flat().join('\n');

  /** `{"a":{"a":…{"a":leaf}…}}`, `levels` objects deep. */
  const nested = (levels: number, leaf = '1'): string => '{"a":'.repeat(levels) + leaf + '}'.repeat(levels);

  /** True when the stored jsonb equals the JSON text, whatever its key order. */
  const storedPayloadEquals = async (id: string, json: string): Promise<boolean> =>
    (
      await database.query<{ same: boolean }>('SELECT payload = $2::jsonb AS same FROM tasks WHERE id = $1', [id, json])
    )[0].same;

  /** JSON with sorted keys: two values are the same JSON when this is the same for both. */
  const sortedJson = (value: unknown): string =>
    JSON.stringify(value, (_, inner: unknown) =>
      typeof inner === 'object' && inner !== null && !Array.isArray(inner)
        ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)))
        : inner,
    );

  describe('payload keys named like Object.prototype members are stored as sent', () => {
    const payload =
      '{"car":{"constructor":"Ferrari","toString":1},"__proto__":{"b":2},"toString":"x","hasOwnProperty":[{"constructor":null}],"a":1}';

    const expectStoredAsSent = async (id: string): Promise<void> => {
      expect(await storedPayloadEquals(id, payload)).toBe(true);
      const read = await api.http.get(`/tasks/${id}`).expect(200);
      expect(sortedJson((JSON.parse(read.text) as { payload: unknown }).payload)).toBe(sortedJson(JSON.parse(payload)));
    };

    it('in a canonical POST /tasks body, and resubmitted with its idempotency key', async () => {
      const body = `{"type":"demo","key":"proto-keys","payload":${payload}}`;
      const response = await send('post', '/tasks', body).expect(201);
      await expectStoredAsSent(response.body.id);
      expect((await send('post', '/tasks', body).expect(200)).body.id).toBe(response.body.id);
      const other = await send('post', '/tasks', `{"type":"demo","key":"proto-keys","payload":{"__proto__":{"b":3}}}`);
      expect(other.status).toBe(409);
    });

    it('in a shorthand POST /tasks body', async () => {
      const response = await send('post', '/tasks', payload).expect(201);
      expect(response.body.type).toBe('demo');
      await expectStoredAsSent(response.body.id);
    });

    it('in a batch item', async () => {
      const response = await send('post', '/tasks/batch', `{"tasks":[{"payload":${payload}}]}`).expect(201);
      await expectStoredAsSent(response.body.tasks[0].id);
    });

    it("in a schedule's task, created and changed", async () => {
      const task = `{"type":"demo","payload":${payload}}`;
      await send('post', '/schedules', `{"name":"keys","cron":"0 3 * * *","task":${task}}`).expect(201);
      await send('patch', '/schedules/keys', `{"task":${task},"cron":"0 4 * * *"}`).expect(200);
      const [{ same }] = await database.query<{ same: boolean }>(
        `SELECT task->'payload' = $1::jsonb AS same FROM schedules WHERE name = 'keys'`,
        [payload],
      );
      expect(same).toBe(true);
      const read = await api.http.get('/schedules/keys').expect(200);
      expect(sortedJson((JSON.parse(read.text) as { task: { payload: unknown } }).task.payload)).toBe(
        sortedJson(JSON.parse(payload)),
      );
    });

    it('through the in-process client', async () => {
      const task = await system.submit({ type: 'demo', payload: JSON.parse(payload) as unknown });
      await expectStoredAsSent(task.id);
    });
  });

  describe('nesting deeper than 100 levels is refused with 400, before any recursion', () => {
    it('accepts a payload nested 100 levels', async () => {
      const response = await send('post', '/tasks', `{"payload":${nested(100)}}`).expect(201);
      expect(await storedPayloadEquals(response.body.id, nested(100))).toBe(true);
    });

    it.each([
      ['a canonical payload of 101 levels', 'post', '/tasks', `{"payload":${nested(101)}}`],
      ['a canonical payload of 2,000 levels', 'post', '/tasks', `{"payload":${nested(2000)}}`],
      ['a shorthand payload of 5,000 levels', 'post', '/tasks', nested(5000)],
      ['an array payload of 5,000 levels', 'post', '/tasks', `{"payload":${'['.repeat(5000)}${']'.repeat(5000)}}`],
      ['a batch item of 2,000 levels', 'post', '/tasks/batch', `{"tasks":[{"payload":${nested(2000)}}]}`],
      [
        "a schedule's payload of 2,000 levels",
        'post',
        '/schedules',
        `{"name":"deep","cron":"0 3 * * *","task":{"payload":${nested(2000)}}}`,
      ],
      [
        'a queue limit of 5,000 levels',
        'put',
        '/queues/deep',
        `{"concurrency":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      ],
    ] as const)('%s', async (_, method, path, body) => {
      const before = await Promise.all([storedTasks(), count('schedules'), count('queues')]);
      const response = await send(method, path, body).expect(400);
      expect(messageOf(response)).toMatch(/deeper than .*the limit of 100 levels/);
      expect(await Promise.all([storedTasks(), count('schedules'), count('queues')])).toEqual(before);
    });

    it('in a schedule change, one level over', async () => {
      await send('post', '/schedules', '{"name":"deep-later","cron":"0 3 * * *","task":{}}').expect(201);
      const response = await send('patch', '/schedules/deep-later', `{"task":{"payload":${nested(101)}}}`).expect(400);
      expect(messageOf(response)).toMatch(/task: payload nests arrays and objects deeper than the limit of 100 levels/);
      expect((await api.http.get('/schedules/deep-later').expect(200)).body.task.payload).toBeNull();
    });

    it('through the in-process client', async () => {
      const before = await storedTasks();
      const deep = JSON.parse(nested(5000)) as unknown;
      const refused = system.submit({ type: 'demo', payload: deep });
      await expect(refused).rejects.toBeInstanceOf(TaskRefusedError);
      await expect(refused).rejects.toThrow(/payload nests arrays and objects deeper than the limit of 100 levels/);
      await expect(system.submitBatch([{ type: 'demo' }, { type: 'demo', payload: deep }])).rejects.toThrow(
        /tasks\[1\]: payload nests arrays and objects deeper than the limit of 100 levels/,
      );
      expect(await storedTasks()).toBe(before);
    });
  });

  describe('text PostgreSQL cannot store (\\u0000, an unpaired surrogate) is refused with 400 naming the field', () => {
    it.each([
      ['GET /tasks?type=%00', '/tasks?type=%00', /type must be/],
      ['GET /tasks?type=a%00b', '/tasks?type=a%00b', /type must be/],
      ['GET /tasks?queue=a%00b', '/tasks?queue=a%00b', /queue must be/],
      ['GET /tasks?status=queued%00', '/tasks?status=queued%00', /status must be/],
      ['GET /tasks?cursor=1%00', '/tasks?cursor=1%00', /cursor must be/],
      ['GET /tasks/1%00', '/tasks/1%00', /task id must be/],
      ['GET /tasks/1%00/attempts', '/tasks/1%00/attempts', /task id must be/],
      ['GET /schedules/a%00b', '/schedules/a%00b', /is not a schedule name/],
    ])('%s', async (_, path, message) => {
      const response = await api.http.get(path).expect(400);
      expect(messageOf(response)).toMatch(message);
    });

    it.each([
      [
        'a payload string',
        'post',
        '/tasks',
        '{"payload":{"car":{"name":"a\\u0000b"}}}',
        /payload\.car\.name .*\\u0000/,
      ],
      ['a payload key', 'post', '/tasks', '{"payload":{"a\\u0000b":1}}', /payload\["a\\u0000b"\] is a key .*\\u0000/],
      ['an array item', 'post', '/tasks', '{"payload":["ok","\\u0000"]}', /payload\[1\] .*\\u0000/],
      ['a shorthand field', 'post', '/tasks', '{"name":"a\\u0000b"}', /name .*\\u0000/],
      ['an unpaired surrogate', 'post', '/tasks', '{"payload":{"s":"\\ud800"}}', /payload\.s .*unpaired surrogate/],
      ['the type', 'post', '/tasks', '{"type":"demo\\u0000"}', /type/],
      ['the queue', 'post', '/tasks', '{"queue":"q\\u0000"}', /queue/],
      ['the key', 'post', '/tasks', '{"key":"k\\u0000"}', /key/],
      ['runAt', 'post', '/tasks', '{"runAt":"2030-01-01T00:00:00Z\\u0000"}', /runAt/],
      [
        'a batch item',
        'post',
        '/tasks/batch',
        '{"tasks":[{},{"payload":"\\u0000"}]}',
        /tasks\[1\]: payload is text .*\\u0000/,
      ],
      ['a schedule name', 'post', '/schedules', '{"name":"a\\u0000","cron":"0 3 * * *","task":{}}', /name/],
      ['a cron expression', 'post', '/schedules', '{"name":"nul","cron":"0 3 * * *\\u0000","task":{}}', /cron/],
      [
        'a time zone',
        'post',
        '/schedules',
        '{"name":"nul","cron":"0 3 * * *","timezone":"UTC\\u0000","task":{}}',
        /timezone/,
      ],
      [
        "a schedule's payload",
        'post',
        '/schedules',
        '{"name":"nul","cron":"0 3 * * *","task":{"payload":{"x":"\\u0000"}}}',
        /task: payload\.x is text .*\\u0000/,
      ],
      ['a queue limit', 'put', '/queues/nul', '{"concurrency":"\\u0000"}', /concurrency/],
    ] as const)('in %s', async (_, method, path, body, message) => {
      const before = await Promise.all([storedTasks(), count('schedules'), count('queues')]);
      const response = await send(method, path, body).expect(400);
      expect(messageOf(response)).toMatch(message);
      expect(await Promise.all([storedTasks(), count('schedules'), count('queues')])).toEqual(before);
    });

    it('through the in-process client', async () => {
      const before = await storedTasks();
      await expect(system.submit({ type: 'demo', payload: { car: { name: 'a\u0000b' } } })).rejects.toThrow(
        /payload\.car\.name .*\\u0000/,
      );
      await expect(system.list({ type: 'a\u0000b' })).rejects.toBeInstanceOf(TaskRefusedError);
      expect(await storedTasks()).toBe(before);
    });
  });

  describe('paths are case-sensitive: a path in other letters is a 404, never another route', () => {
    it.each([
      ['post', '/TASKS', '{"type":"sleep","payload":{"ms":1}}'],
      ['post', '/Tasks', '{"type":"sleep","payload":{"ms":1}}'],
      ['post', '/Tasks/batch', '{"tasks":[{"type":"sleep","payload":{"ms":1}}]}'],
      ['post', '/tasks/BATCH', '{"tasks":[{"type":"sleep","payload":{"ms":1}}]}'],
      ['post', '/QUEUES/x/pause', ''],
      ['put', '/QUEUES/x', '{"concurrency":2}'],
      ['post', '/Schedules', '{"name":"upper","cron":"0 3 * * *","task":{}}'],
    ] as const)('%s %s', async (method, path, body) => {
      const before = await Promise.all([storedTasks(), count('schedules'), count('queues')]);
      const response = await send(method, path, body).expect(404);
      expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect(await Promise.all([storedTasks(), count('schedules'), count('queues')])).toEqual(before);
    });

    it('GET /TASKS', async () => {
      await api.http.get('/TASKS').expect(404);
    });
  });

  describe('query parameters named like Object.prototype members are refused like any unknown one', () => {
    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])('?%s=1', async (name) => {
      const before = await storedTasks();
      const id = (await send('post', '/tasks', '{}').expect(201)).body.id as string;
      for (const request of [
        api.http.get(`/tasks?${name}=1`),
        api.http.get(`/tasks/${id}?${name}=1`),
        api.http.delete(`/tasks/${id}?${name}=1`),
        api.http.post(`/tasks?${name}=1`).send({}),
      ]) {
        const response = await request.expect(400);
        expect(messageOf(response)).toMatch(`property ${name} should not exist`);
      }
      expect(await storedTasks()).toBe(before + 1);
      expect((await api.http.get(`/tasks/${id}`).expect(200)).body.status).toBe('queued');
    });

    it.each(['__proto__', 'constructor', 'toString'])("and so is a field %s in a queue limit's body", async (name) => {
      const response = await send('put', '/queues/named', `{"concurrency":2,"${name}":{"concurrency":3}}`).expect(400);
      expect(messageOf(response)).toMatch(`property ${name} should not exist`);
      expect(await count('queues')).toBe(0);
    });
  });

  describe('numbers JSON cannot carry (1e309 parses as Infinity) are refused with 400 naming the field', () => {
    it.each([
      [
        'a canonical payload',
        'post',
        '/tasks',
        '{"payload":{"n":1e309}}',
        /payload\.n is Infinity \(beyond ±1\.8e308, such as 1e309\): JSON carries only finite numbers/,
      ],
      ['a negative one', 'post', '/tasks', '{"payload":[-1e309]}', /payload\[0\] is -Infinity \(beyond/],
      ['a shorthand field', 'post', '/tasks', '{"n":1e400}', /payload\.n is Infinity/],
      [
        'a batch item',
        'post',
        '/tasks/batch',
        '{"tasks":[{"payload":{"n":1e309}}]}',
        /tasks\[0\]: payload\.n is Infinity/,
      ],
      ['a priority', 'post', '/tasks', '{"priority":1e309}', /priority/],
      [
        "a schedule's payload",
        'post',
        '/schedules',
        '{"name":"inf","cron":"0 3 * * *","task":{"payload":{"n":1e309}}}',
        /task: payload\.n is Infinity/,
      ],
      ['a queue limit', 'put', '/queues/inf', '{"concurrency":1e309}', /concurrency/],
    ] as const)('in %s', async (_, method, path, body, message) => {
      const before = await Promise.all([storedTasks(), count('schedules'), count('queues')]);
      const response = await send(method, path, body).expect(400);
      expect(messageOf(response)).toMatch(message);
      expect(await Promise.all([storedTasks(), count('schedules'), count('queues')])).toEqual(before);
    });

    it('through the in-process client (NaN and Infinity alike)', async () => {
      const before = await storedTasks();
      await expect(system.submit({ type: 'demo', payload: { n: Number.POSITIVE_INFINITY } })).rejects.toThrow(
        /payload\.n /,
      );
      await expect(system.submit({ type: 'demo', payload: [Number.NaN] })).rejects.toThrow(
        /payload\[0\] is NaN: JSON carries only finite numbers/,
      );
      expect(await storedTasks()).toBe(before);
    });
  });
});
