import type { TaskAbortReason } from '../src/worker/task-abort-reason.js';
import { ProbeEvents, ProbeHandlersModule } from './support/probe-handlers.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { Task } from '../src/task-store/task.js';

/** Replicas come and go; the tasks stay in PostgreSQL, in their order, and nothing running is lost. */
describe('restarting replicas', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('keeps queued tasks across a restart and runs them by priority, then in submission order', async () => {
    const before = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    const priorities = [0, 5, 0, 5, -1, 0];
    const ids: string[] = [];
    for (const priority of priorities) {
      ids.push(
        (
          await before.http
            .post('/tasks')
            .send({ type: 'sleep', payload: { ms: 1 }, priority })
            .expect(201)
        ).body.id,
      );
    }
    await before.close();

    const after = await startTestApp(database.url, { WORKER_CONCURRENCY: '1' });
    try {
      const finished: Task[] = [];
      for (const id of ids) finished.push(await after.waitForStatus(id, 'succeeded'));
      const startOrder = [...finished].sort(
        (a, b) => Date.parse(String(a.startedAt)) - Date.parse(String(b.startedAt)),
      );
      const [a, b, c, d, e, f] = ids;
      expect(startOrder.map((task) => task.id)).toEqual([b, d, a, c, f, e]);
    } finally {
      await after.close();
    }
  });

  it('lets a running task finish within SHUTDOWN_GRACE_MS when the replica stops', async () => {
    const replica = await startTestApp(database.url, { SHUTDOWN_GRACE_MS: '10000' });
    const id = (
      await replica.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 300 } })
        .expect(201)
    ).body.id;
    await replica.waitForStatus(id, 'running');
    await replica.close();
    const [row] = await database.query('SELECT status, attempt, result FROM tasks WHERE id = $1', [id]);
    expect(row).toEqual({ status: 'succeeded', attempt: 1, result: { slept: 300 } });
  });

  it('hands a task still running after SHUTDOWN_GRACE_MS back to the queue without counting the attempt', async () => {
    const replica = await startTestApp(database.url, { SHUTDOWN_GRACE_MS: '100' }, [ProbeHandlersModule]);
    const probes = replica.app.get(ProbeEvents);
    const id = (await replica.http.post('/tasks').send({ type: 'probe' }).expect(201)).body.id;
    await replica.waitForStatus(id, 'running');
    const aborted = probes.nextAbort(id);
    await replica.close();
    expect(((await aborted) as TaskAbortReason).kind).toBe('shutdown');
    const [row] = await database.query('SELECT status, attempt, finished_at FROM tasks WHERE id = $1', [id]);
    expect(row).toEqual({ status: 'queued', attempt: 0, finished_at: null });

    // Another replica takes it up and runs it as its first attempt.
    const next = await startTestApp(database.url, {}, [ProbeHandlersModule]);
    try {
      const running = await next.waitForStatus(id, 'running');
      expect(running.attempt).toBe(1);
      expect(running.workerId).toMatch(new RegExp(`^${next.config.replicaId}/`));
      await next.http.delete(`/tasks/${id}`).expect(200);
    } finally {
      await next.close();
    }
  });
});
