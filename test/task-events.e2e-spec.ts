import type { Task } from '../src/task-store/task.js';
import { openEventStream } from './support/event-stream.js';
import type { OpenEventStream, ServerSentEvent } from './support/event-stream.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import { settlesWithin, waitFor } from './support/wait-for.js';
import type { TestApp } from './support/test-app.js';

const taskEvent =
  (id: string, matches: (task: Task) => boolean = () => true) =>
  (event: ServerSentEvent): boolean =>
    event.event === 'task' && (event.data as Task).id === id && matches(event.data as Task);

/**
 * `GET /tasks/events`, with two replicas on one database: the stream is opened on `viewer` (API only),
 * while `worker` accepts and runs the tasks, so every change a test sees came through LISTEN/NOTIFY.
 */
describe('the task event stream', () => {
  let database: TestDatabase;
  let viewer: TestApp;
  let worker: TestApp;
  let stream: OpenEventStream;

  beforeAll(async () => {
    database = await createTestDatabase();
    viewer = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    worker = await startTestApp(database.url, { WORKER_CONCURRENCY: '4', LEASE_MS: '60000' });
  });

  beforeEach(async () => {
    stream = await openEventStream(viewer.app);
  });

  afterEach(() => stream.close());

  afterAll(async () => {
    await worker?.close();
    await viewer?.close();
    await database?.drop();
  });

  it('opens with resync and the counts by status', async () => {
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    await stream.waitForEvent('counts', (event) => event.event === 'counts');
    expect(stream.events[0]).toEqual({ event: 'resync', data: {} });
    expect(Object.keys(stream.events[1].data as object).sort()).toEqual([
      'cancelled',
      'failed',
      'queued',
      'running',
      'succeeded',
    ]);
  });

  it('shows a task made and run on another replica as it runs and ends, without its payload', async () => {
    const id = (
      await worker.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 1000 } })
        .expect(201)
    ).body.id as string;
    // Each flush sends a task as it is then, so a change shorter than a flush period may not show.
    await stream.waitForEvent(
      'the task running',
      taskEvent(id, (task) => task.status === 'running'),
    );
    const done = await stream.waitForEvent(
      'the task succeeded',
      taskEvent(id, (task) => task.status === 'succeeded'),
    );
    expect(done.data).toMatchObject({ id, type: 'sleep', attempt: 1, maxAttempts: 3 });
    expect(done.data).not.toHaveProperty('payload');
    expect(done.data).not.toHaveProperty('result');
    const throughput = await stream.waitForEvent('throughput', (event) => event.event === 'throughput');
    expect((throughput.data as { succeeded: number }).succeeded).toBeGreaterThanOrEqual(1);
    const counts = await stream.waitForEvent(
      'counts with the task succeeded',
      (event) => event.event === 'counts' && (event.data as { succeeded: number }).succeeded >= 1,
    );
    expect(counts.data).toMatchObject({ running: 0 });
  });

  it('shows a task submitted for later as queued', async () => {
    const id = (
      await viewer.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 1 }, runAt: '2999-01-01T00:00:00Z' })
        .expect(201)
    ).body.id as string;
    const queued = await stream.waitForEvent('the task queued', taskEvent(id));
    expect(queued.data).toMatchObject({ status: 'queued', runAt: '2999-01-01T00:00:00.000Z' });
  });

  it('shows a stop: cancelRequestedAt while the handler stops, then cancelled', async () => {
    const id = (
      await worker.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 60_000 } })
        .expect(201)
    ).body.id as string;
    await stream.waitForEvent(
      'the task running',
      taskEvent(id, (task) => task.status === 'running'),
    );
    await viewer.http.delete(`/tasks/${id}?wait=0`).expect((response) => [200, 202].includes(response.status));
    await stream.waitForEvent(
      'the stop asked',
      taskEvent(id, (task) => task.cancelRequestedAt !== null),
    );
    await stream.waitForEvent(
      'the task cancelled',
      taskEvent(id, (task) => task.status === 'cancelled'),
    );
  });

  it('tells clients to resync instead of sending each task of a burst', async () => {
    await stream.waitForEvent('the opening resync', (event) => event.event === 'resync');
    const burst = Array.from({ length: 1000 }, () => ({
      type: 'sleep',
      payload: { ms: 1 },
      runAt: '2999-01-01T00:00:00Z',
    }));
    const created = (await viewer.http.post('/tasks/batch').send({ tasks: burst }).expect(201)).body.tasks as Task[];
    await stream.waitForEvent(
      'a second resync',
      (event) => event.event === 'resync' && stream.events.filter((e) => e.event === 'resync').length >= 2,
    );
    const burstIds = new Set(created.map((task) => task.id));
    expect(stream.events.filter((event) => event.event === 'task' && burstIds.has((event.data as Task).id))).toEqual(
      [],
    );
  });

  it('counts tasks by status for pages that poll, matching the stream', async () => {
    const id = (
      await worker.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 1 } })
        .expect(201)
    ).body.id;
    await worker.waitForStatus(id, 'succeeded');
    const succeeded = Number(
      (await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM tasks WHERE status = 'succeeded'`))[0].n,
    );
    const counts = await waitFor('the counts to include the task', async () => {
      const body = (await viewer.http.get('/tasks/counts').expect(200)).body as Record<string, number>;
      return body.succeeded === succeeded ? body : undefined;
    });
    expect(Object.keys(counts).sort()).toEqual(['cancelled', 'failed', 'queued', 'running', 'succeeded']);
  });

  it('lists the task types for forms', async () => {
    const types = (await viewer.http.get('/tasks/types').expect(200)).body as { type: string }[];
    expect(types.map((entry) => entry.type)).toEqual(expect.arrayContaining(['demo', 'fail', 'sleep']));
    expect(types.every((entry) => 'description' in entry)).toBe(true);
  });

  it('ends its streams when the replica shuts down, so shutdown does not wait for them', async () => {
    const leaving = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    const open = await openEventStream(leaving.app);
    try {
      await open.waitForEvent('the opening resync', (event) => event.event === 'resync');
      const closing = leaving.close();
      // The client sees its stream end, from the server's side, while shutdown goes on; then shutdown ends.
      await waitFor('the replica to end the open stream as it shuts down', () => open.endedByServer());
      await settlesWithin('the replica to finish shutting down', closing);
    } finally {
      open.close(); // a replica that waited for the stream can now finish, if the test failed
    }
  });
});

describe('the task event stream with API keys', () => {
  it('needs a valid key, like every /tasks route', async () => {
    const database = await createTestDatabase();
    const app = await startTestApp(database.url, { WORKER_ENABLED: 'false', API_KEYS: 'stream-key-0123456789' });
    try {
      const refused = await openEventStream(app.app);
      expect(refused.status).toBe(401);
      const allowed = await openEventStream(app.app, { Authorization: 'Bearer stream-key-0123456789' });
      expect(allowed.status).toBe(200);
      await allowed.waitForEvent('the opening resync', (event) => event.event === 'resync');
      allowed.close();
    } finally {
      await app.close();
      await database.drop();
    }
  });
});
