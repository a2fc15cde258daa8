import { createTaskSystemClient, TaskSystemHttpError } from '../src/client/index.js';
import type { TaskSystemClient } from '../src/client/index.js';
import { baseUrl } from './support/event-stream.js';
import { OpenApiResponseValidator } from './support/openapi-responses.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

const API_KEY = 'client-test-key-0123456789';

/** The rejection of a call that must fail, for assertions on it. */
const failureOf = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => {
      throw new Error('the call succeeded');
    },
    (error: unknown) => error,
  );

/**
 * tasksystem/client against a real replica (API keys on): every method, as a service elsewhere would use it.
 * Its fetch also checks every response against the OpenAPI document. wait and submitAndWait are unit-tested
 * in src/client (the server's long poll is not in this controller yet).
 */
describe('the HTTP client', () => {
  let database: TestDatabase;
  let app: TestApp;
  let client: TaskSystemClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startTestApp(database.url, { API_KEYS: API_KEY, WORKER_CONCURRENCY: '2' });
    const validator = new OpenApiResponseValidator();
    client = createTaskSystemClient({ baseUrl: baseUrl(app.app), apiKey: API_KEY, fetch: validator.fetch() });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('submits, reads, lists and counts tasks', async () => {
    const later = await client.submit({ type: 'demo', payload: { name: 'Jean' }, runAt: '2099-01-01T00:00:00Z' });
    expect(later).toMatchObject({ id: expect.stringMatching(/^\d+$/), type: 'demo', status: 'queued' });
    // A read adds why the queued task waits (test/waiting.e2e-spec.ts).
    expect(await client.get(later.id)).toEqual({ ...later, waiting: expect.objectContaining({ reason: 'scheduled' }) });

    const keyed = { type: 'sleep', payload: { ms: 1 }, key: 'client-1', runAt: '2099-01-01T00:00:00Z' };
    const first = await client.submit(keyed);
    expect(await client.submit(keyed)).toMatchObject({ id: first.id, key: 'client-1' });

    const batch = await client.submitBatch([
      { type: 'sleep', payload: { ms: 0 } },
      { type: 'demo', queue: 'reports' },
    ]);
    expect(batch.map(({ type, queue }) => `${type}@${queue}`)).toEqual(['sleep@default', 'demo@reports']);

    const page = await client.list({ status: ['queued', 'running'], limit: 1 });
    expect(page.tasks).toHaveLength(1);
    expect(['queued', 'running']).toContain(page.tasks[0].status);
    expect(page.nextCursor).toEqual(expect.any(String));
    const queued = await client.list({ status: 'queued' });
    expect(new Set(queued.tasks.map(({ status }) => status))).toEqual(new Set(['queued']));
    const onlyReports = await client.list({ queue: 'reports' });
    expect(onlyReports.tasks.map(({ id }) => id)).toEqual([batch[1].id]);

    const total = async (): Promise<number> => Object.values(await client.counts()).reduce((sum, n) => sum + n, 0);
    await waitFor('the counts to hold the 4 tasks submitted', async () => (await total()) === 4);
    expect((await client.types()).map(({ type }) => type)).toEqual(expect.arrayContaining(['demo', 'sleep']));
  });

  it('stops a task, retries it, and lists its attempts', async () => {
    const running = await client.submit({ type: 'sleep', payload: { ms: 60_000 } });
    await waitFor('the task to run', async () => (await client.get(running.id)).status === 'running');
    const stopped = await client.stop(running.id, { waitMs: 10_000 });
    expect(stopped).toMatchObject({
      stopped: true,
      task: { status: 'cancelled', error: { message: 'stopped on request' } },
    });

    const again = await client.retry(running.id);
    expect(again).toMatchObject({ id: running.id, status: 'queued', attempt: 0 });
    await waitFor('the task to run', async () => (await client.get(running.id)).status === 'running');
    await client.stop(running.id);
    const attempts = await client.attempts(running.id);
    expect(attempts.map(({ attempt, status }) => `${attempt}:${status}`)).toEqual(['1:cancelled', '1:cancelled']);
  });

  it('rejects with TaskSystemHttpError: status, message, body, and the task of a 409', async () => {
    const missing = await failureOf(client.get('999999999'));
    expect(missing).toBeInstanceOf(TaskSystemHttpError);
    expect(missing).toMatchObject({ status: 404, message: expect.stringContaining('999999999'), method: 'GET' });

    const badType = await failureOf(client.submit({ type: 'nope' }));
    expect(badType).toMatchObject({ status: 400, message: expect.stringContaining('known types') });

    const done = await client.submit({ type: 'demo', runAt: '2099-01-01T00:00:00Z' });
    await client.stop(done.id);
    const conflict = await failureOf(client.stop(done.id));
    expect(conflict).toMatchObject({ status: 409, task: { id: done.id, status: 'cancelled' } });
    expect((conflict as TaskSystemHttpError).body).toMatchObject({ statusCode: 409, error: 'Conflict' });
  });

  it('needs the API key', async () => {
    const anonymous = createTaskSystemClient({ baseUrl: baseUrl(app.app) });
    expect(await failureOf(anonymous.list())).toMatchObject({ status: 401 });
    const wrongKey = createTaskSystemClient({ baseUrl: baseUrl(app.app), apiKey: 'not-the-key-0123456789' });
    expect(await failureOf(wrongKey.counts())).toMatchObject({ status: 401 });
  });

  it('lists, pauses, resumes and limits queues', async () => {
    expect((await client.queues.list()).map(({ name }) => name)).toEqual(
      expect.arrayContaining(['default', 'reports']),
    );
    expect(await client.queues.pause('reports')).toMatchObject({ name: 'reports', paused: true });
    expect(await client.queues.resume('reports')).toMatchObject({ name: 'reports', paused: false });
    expect(await client.queues.setConcurrency('reports', 3)).toMatchObject({ concurrency: 3 });
    expect(await client.queues.setConcurrency('reports', null)).toMatchObject({ concurrency: null });
    expect(await failureOf(client.queues.pause('Not A Name'))).toMatchObject({ status: 400 });
  });

  it('lists the replicas that run tasks, as the document describes them', async () => {
    const [worker] = await waitFor('the replica to be listed', async () => {
      const workers = await client.workers();
      return workers.length > 0 ? workers : undefined;
    });
    expect(worker).toMatchObject({ id: app.config.replicaId, slots: 2, queues: null, gone: false, goneAt: null });
  });

  it('creates, reads, changes, pauses, resumes and deletes schedules', async () => {
    const created = await client.schedules.create({
      name: 'client-nightly',
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
      task: { type: 'sleep', payload: { ms: 1 } },
    });
    expect(created).toMatchObject({ name: 'client-nightly', timezone: 'Europe/Paris', source: 'api', paused: false });
    expect(await client.schedules.get('client-nightly')).toEqual(created);
    expect((await client.schedules.list()).map(({ name }) => name)).toEqual(['client-nightly']);

    expect(await client.schedules.update('client-nightly', { cron: '30 4 * * *' })).toMatchObject({
      cron: '30 4 * * *',
    });
    expect(await client.schedules.pause('client-nightly')).toMatchObject({ paused: true, nextRunAt: null });
    expect(await client.schedules.resume('client-nightly')).toMatchObject({
      paused: false,
      nextRunAt: expect.any(String),
    });
    expect(await client.schedules.delete('client-nightly')).toMatchObject({ name: 'client-nightly' });
    expect(await failureOf(client.schedules.get('client-nightly'))).toMatchObject({ status: 404 });
  });
});
