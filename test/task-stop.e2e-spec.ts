import type { Task } from '../src/task-store/task.js';
import { TaskNotificationsService } from '../src/task-store/task-notifications.service.js';
import { TaskAbortReason } from '../src/worker/task-abort-reason.js';
import { holdNextClaim } from './support/held-claim.js';
import { ProbeEvents, ProbeHandlersModule } from './support/probe-handlers.js';
import { createTestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

/**
 * Stopping tasks, with two replicas on one database: `api` serves HTTP only (no worker), `worker` runs
 * the tasks. A stop sent to `api` must reach the handler running on `worker`. The worker's lease is a day
 * long, so its heartbeat, which also re-reads stop requests, comes every 8 hours: every stop that arrives
 * in these tests came through LISTEN/NOTIFY, however long it took.
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
        LEASE_MS: '86400000',
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

  /**
   * Makes a cancelled task due, then runs a task submitted after it: had the cancelled one been claimable,
   * the claim that takes the later one (oldest first) would have taken it no later. It must still be untouched.
   */
  const expectNeverClaimed = async (id: string, attempt: number): Promise<void> => {
    await database.query('UPDATE tasks SET run_at = now() WHERE id = $1', [id]);
    const later = await submit({ type: 'sleep', payload: { ms: 1 } });
    await api.waitForStatus(later, 'succeeded');
    expect(await api.task(id)).toMatchObject({ status: 'cancelled', attempt });
  };

  /** Resolves when the worker's LISTEN connection has delivered a stop for this task. */
  const stopHeardBy = (replica: TestApp, taskId: string): Promise<void> => {
    const notifications = replica.app.get(TaskNotificationsService);
    return new Promise((resolve) => {
      const listener = (id: string): void => {
        if (id !== taskId) return;
        notifications.off('stop', listener);
        resolve();
      };
      notifications.on('stop', listener);
    });
  };

  it('cancels a queued task at once, and it never starts', async () => {
    const stopped = await submit({ type: 'sleep', payload: { ms: 1 }, runAt: '2100-01-01T00:00:00Z' });
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
    await expectNeverClaimed(stopped, 0);
    expect(await api.task(stopped)).toMatchObject({ startedAt: null, workerId: null });
  });

  it('stops a task running on another replica through LISTEN/NOTIFY: its handler is aborted and the DELETE answers 200 cancelled', async () => {
    const id = await startProbe();
    const abortReason = probes.nextAbort(id);
    const response = await api.http.delete(`/tasks/${id}?wait=30000`).expect(200);
    expect(response.body).toMatchObject({ id, status: 'cancelled', error: { message: 'stopped on request' } });
    expect(response.body.workerId).toMatch(new RegExp(`^${worker.config.replicaId}/`));
    expect(response.body.cancelRequestedAt).not.toBeNull();
    const reason = await abortReason;
    expect(reason).toBeInstanceOf(TaskAbortReason);
    expect((reason as TaskAbortReason).kind).toBe('stop');
  });

  // A stop sent the moment a task was submitted meets its claim in one of two orders; each is forced here.
  it('stops a task asked to stop before its claim: cancelled in the queue, never started', async () => {
    const claim = holdNextClaim(worker.app, 'before');
    try {
      await claim.held; // the worker is in a claim round, held before its statement: it claims nothing meanwhile
      const id = await submit({ type: 'probe' });
      const response = await api.http.delete(`/tasks/${id}`).expect(200);
      expect(response.body).toMatchObject({
        id,
        status: 'cancelled',
        attempt: 0,
        error: { message: 'stopped on request before it started' },
      });
      const claimed = await claim.release();
      expect(claimed.map((task) => task.id)).not.toContain(id);
      expect(await api.task(id)).toMatchObject({ status: 'cancelled', attempt: 0, startedAt: null, workerId: null });
    } finally {
      void claim.release();
    }
  });

  it('stops a task whose stop overtook its claim: the worker remembers the stop and aborts the handler as it starts', async () => {
    const overtaken = (task: Task): boolean => (task.payload as { label?: string } | null)?.label === 'overtaken';
    const claim = holdNextClaim(worker.app, { after: overtaken });
    try {
      const id = await submit({ type: 'probe', payload: { label: 'overtaken' } });
      await claim.held; // committed: the task is running in the database, and the worker has not heard yet
      const stopHeard = stopHeardBy(worker, id);
      const answer = api.http.delete(`/tasks/${id}?wait=30000`).then((response) => response);
      await stopHeard; // the stop of a task the worker does not run (yet)
      expect(probes.aborted.has(id)).toBe(false);
      await claim.release();
      // The claim's reply starts the handler and the remembered stop aborts it there and then, in this turn
      // of the event loop: no other notification is coming, and the next heartbeat is hours away.
      await new Promise((resolve) => setImmediate(resolve));
      expect(probes.aborted.get(id)).toMatchObject({ kind: 'stop', message: 'stopped on request' });
      const response = await answer;
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id, status: 'cancelled', attempt: 1 });
    } finally {
      void claim.release();
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
    await expectNeverClaimed(id, 1);
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
