import { TaskAbortReason } from '../src/worker/task-abort-reason.js';
import { ProbeEvents, ProbeHandlersModule } from './support/probe-handlers.js';
import { createTestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

/**
 * Stopping tasks, with two replicas on one database: `api` serves HTTP only (no worker), `worker` runs
 * the tasks. A stop sent to `api` must reach the handler running on `worker`. The worker's lease is long
 * (its heartbeat re-reads stop requests only every 20 s), so a stop that arrives within a test's wait
 * came through LISTEN/NOTIFY.
 */
describe('stopping tasks', () => {
  let database: TestDatabase;
  let api: TestApp;
  let worker: TestApp;
  let probes: ProbeEvents;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database.url, { WORKER_ENABLED: 'false' }, [ProbeHandlersModule]);
    worker = await startTestApp(
      database.url,
      // Retries wait a minute, so a failed attempt stays queued long enough to be stopped there.
      {
        WORKER_CONCURRENCY: '2',
        LEASE_MS: '60000',
        CANCEL_GRACE_MS: '300',
        RETRY_BASE_MS: '60000',
        RETRY_MAX_MS: '60000',
      },
      [ProbeHandlersModule],
    );
    probes = worker.app.get(ProbeEvents);
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await database?.drop();
  });

  const submit = async (body: object): Promise<string> =>
    ((await api.http.post('/tasks').send(body).expect(201)).body as { id: string }).id;

  const startProbe = async (): Promise<string> => {
    const id = await submit({ type: 'probe' });
    await api.waitForStatus(id, 'running');
    return id;
  };

  it('cancels a queued task at once, and it never starts', async () => {
    const stopped = await submit({
      type: 'sleep',
      payload: { ms: 1 },
      runAt: new Date(Date.now() + 800).toISOString(),
    });
    const response = await api.http.delete(`/tasks/${stopped}`).expect(200);
    expect(response.body).toMatchObject({
      id: stopped,
      status: 'cancelled',
      attempt: 0,
      startedAt: null,
      error: { message: 'stopped on request before it started' },
    });
    expect(response.body.cancelRequestedAt).not.toBeNull();
    expect(response.body.finishedAt).not.toBeNull();

    // A task due after it has run: had the cancelled one been claimable, it would have started first.
    const later = await submit({ type: 'sleep', payload: { ms: 1 }, runAt: new Date(Date.now() + 900).toISOString() });
    await api.waitForStatus(later, 'succeeded');
    expect(await api.task(stopped)).toMatchObject({ status: 'cancelled', attempt: 0, startedAt: null, workerId: null });
  });

  it('stops a task running on another replica within a second: its handler is aborted and the DELETE answers 200 cancelled', async () => {
    const id = await startProbe();
    const abortReason = probes.nextAbort(id);
    const response = await api.http.delete(`/tasks/${id}?wait=1000`).expect(200);
    expect(response.body).toMatchObject({ id, status: 'cancelled', error: { message: 'stopped on request' } });
    expect(response.body.workerId).toMatch(new RegExp(`^${worker.config.replicaId}/`));
    expect(response.body.cancelRequestedAt).not.toBeNull();
    const reason = await abortReason;
    expect(reason).toBeInstanceOf(TaskAbortReason);
    expect((reason as TaskAbortReason).kind).toBe('stop');
  });

  it('stops a task asked to stop the moment it was submitted, whether or not its claim got there first', async () => {
    for (let i = 0; i < 10; i++) {
      const id = await submit({ type: 'probe' });
      const response = await api.http.delete(`/tasks/${id}?wait=2000`).expect(200);
      expect(response.body).toMatchObject({ id, status: 'cancelled' });
    }
  });

  it('cancels a task waiting for its retry, and it never runs again', async () => {
    const id = await submit({ type: 'fail', payload: { times: 1 }, maxAttempts: 3 });
    const waiting = await waitFor('the first attempt to fail', async () => {
      const task = await api.task(id);
      return task.status === 'queued' && task.attempt === 1 ? task : undefined;
    });
    expect(Date.parse(String(waiting.runAt))).toBeGreaterThan(Date.now());
    const response = await api.http.delete(`/tasks/${id}`).expect(200);
    expect(response.body).toMatchObject({
      status: 'cancelled',
      attempt: 1,
      error: { message: 'stopped on request before it started' },
    });
    // Its retry time passing changes nothing: a cancelled task is never claimed.
    await database.query('UPDATE tasks SET run_at = now() WHERE id = $1', [id]);
    const later = await submit({ type: 'sleep', payload: { ms: 1 } });
    await api.waitForStatus(later, 'succeeded');
    expect(await api.task(id)).toMatchObject({ status: 'cancelled', attempt: 1 });
  });

  it('answers 202 with cancelRequestedAt when the task has not stopped within ?wait=, and it still stops later', async () => {
    const id = await submit({ type: 'stubborn' });
    await api.waitForStatus(id, 'running');
    const response = await api.http.delete(`/tasks/${id}?wait=0`).expect(202);
    expect(response.body).toMatchObject({ id, status: 'running', finishedAt: null });
    expect(response.body.cancelRequestedAt).not.toBeNull();
    // The handler ignores its signal: after CANCEL_GRACE_MS the supervisor writes it off anyway.
    const task = await api.waitForStatus(id, 'cancelled', 'succeeded', 'failed');
    expect(task).toMatchObject({ status: 'cancelled', error: { message: 'stopped on request' } });
  });

  it('frees the slot of a handler that ignores its stop, so other tasks keep running', async () => {
    const stubborn = await Promise.all([submit({ type: 'stubborn' }), submit({ type: 'stubborn' })]);
    await Promise.all(stubborn.map((id) => api.waitForStatus(id, 'running')));
    const waiting = await submit({ type: 'sleep', payload: { ms: 1 } });
    await Promise.all(stubborn.map((id) => api.http.delete(`/tasks/${id}`).expect(200)));
    await api.waitForStatus(waiting, 'succeeded');
  });

  it('fails a timed-out handler that ignores its signal for good, rather than run it twice at once', async () => {
    const id = await submit({ type: 'stubborn', timeoutMs: 100, maxAttempts: 3 });
    // Whatever its first attempt came to: terminal, or queued again after it (which would be the bug).
    const task = await waitFor('the first attempt to end', async () => {
      const current = await api.task(id);
      return current.attempt >= 1 && current.status !== 'running' ? current : undefined;
    });
    expect(task).toMatchObject({ status: 'failed', attempt: 1 });
    expect(task.error?.message).toBe(
      'timed out after 100 ms; the handler ignored its abort signal, so it is not retried',
    );
  });

  it('answers 409 with the task for a task already finished, 404 for an unknown one, 400 for bad input', async () => {
    const id = await submit({ type: 'sleep', payload: { ms: 1 } });
    await api.waitForStatus(id, 'succeeded');
    const conflict = await api.http.delete(`/tasks/${id}`).expect(409);
    expect(conflict.body).toMatchObject({
      statusCode: 409,
      error: 'Conflict',
      message: `task ${id} is already succeeded`,
      task: { id, status: 'succeeded', cancelRequestedAt: null },
    });
    const cancelled = await submit({ type: 'sleep', payload: { ms: 1 }, runAt: '2100-01-01T00:00:00Z' });
    await api.http.delete(`/tasks/${cancelled}`).expect(200);
    await api.http.delete(`/tasks/${cancelled}`).expect(409);

    expect((await api.http.delete('/tasks/123456789').expect(404)).body.message).toBe('task 123456789 does not exist');
    expect((await api.http.delete('/tasks/abc').expect(400)).body.message).toMatch(
      /task id must be a positive integer/,
    );
    expect((await api.http.delete(`/tasks/${id}?wait=30001`).expect(400)).body.message).toEqual([
      'wait must not be greater than 30000',
    ]);
    expect((await api.http.delete(`/tasks/${id}?wait=soon`).expect(400)).body.message).toContain(
      'wait must be an integer number',
    );
  });
});

describe('a stop whose notification was lost', () => {
  it('still arrives: the heartbeat re-reads the stop request from the table', async () => {
    const database = await createTestDatabase();
    // Heartbeats every LEASE_MS / 3 = 300 ms.
    const replica = await startTestApp(database.url, { LEASE_MS: '900' }, [ProbeHandlersModule]);
    try {
      const id = (await replica.http.post('/tasks').send({ type: 'probe' }).expect(201)).body.id as string;
      await replica.waitForStatus(id, 'running');
      const abortReason = replica.app.get(ProbeEvents).nextAbort(id);
      // An operator's UPDATE sends no NOTIFY: only the periodic re-read of the table can deliver this stop.
      await database.query('UPDATE tasks SET cancel_requested_at = now() WHERE id = $1', [id]);
      expect(((await abortReason) as TaskAbortReason).kind).toBe('stop');
      expect(await replica.waitForStatus(id, 'cancelled', 'succeeded', 'failed')).toMatchObject({
        status: 'cancelled',
      });
    } finally {
      await replica.close();
      await database.drop();
    }
  });
});
