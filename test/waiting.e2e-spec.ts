import { Injectable, Module } from '@nestjs/common';
import type { Task, WaitingReason } from '../src/task-store/task.js';
import { TaskHandler } from '../src/task-types/task-handler.js';
import type { TaskHandler as Handler } from '../src/task-types/task-handler.js';
import { ProbeEvents, ProbeHandlersModule } from './support/probe-handlers.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/** A type only the API replica knows: it accepts such tasks, and no live replica runs them. */
@Injectable()
@TaskHandler({ type: 'orphan' })
class OrphanHandler implements Handler {
  run(): Promise<null> {
    return Promise.resolve(null);
  }
}

@Module({ providers: [OrphanHandler] })
class OrphanModule {}

const HOUR_MS = 3_600_000;
/** The queues the main worker works; `lined-up` is left to a replica with one slot of its own. */
const WORKED_QUEUES = 'default,orphans,retried,limited,keyed,metered';

/**
 * "Why is it waiting?": GET /tasks/:id of a queued task says why it has not started, one test per
 * reason, then the list's filter, the counts per queue and the metric. Each test uses its own queue.
 */
describe('why a queued task waits', () => {
  let database: TestDatabase;
  /** Serves the API only (no worker); knows the probe types and `orphan`. */
  let api: TestApp;
  /** Runs the probe types (and the shipped ones) in WORKED_QUEUES; a failed attempt is retried an hour later. */
  let worker: TestApp;
  /** One slot, queue `lined-up` only: its second task waits `ready`. */
  let narrow: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database.url, { WORKER_ENABLED: 'false' }, [ProbeHandlersModule, OrphanModule]);
    worker = await startTestApp(
      database.url,
      {
        WORKER_CONCURRENCY: '4',
        WORKER_QUEUES: WORKED_QUEUES,
        RETRY_BASE_MS: String(HOUR_MS),
        RETRY_MAX_MS: String(HOUR_MS),
      },
      [ProbeHandlersModule],
    );
    // Without claiming ahead, so that its queued tasks wait `ready` (a buffered one waits `buffered`,
    // claim-buffer.e2e-spec.ts).
    narrow = await startTestApp(
      database.url,
      { WORKER_CONCURRENCY: '1', WORKER_QUEUES: 'lined-up', WORKER_PREFETCH: '0' },
      [ProbeHandlersModule],
    );
  });

  afterAll(async () => {
    for (const replica of [worker, narrow]) replica?.app.get(ProbeEvents).openAllGates();
    for (const replica of [narrow, worker, api]) await replica?.close();
    await database?.drop();
  });

  const submit = async (task: Record<string, unknown>): Promise<Task> =>
    (await api.http.post('/tasks').send(task).expect(201)).body as Task;

  /** The task as GET /tasks/:id shows it once its waiting reason is `reason`. */
  const waitForReason = (id: string, reason: WaitingReason): Promise<Task> =>
    waitFor(`task ${id} to wait for ${reason}`, async () => {
      const task = await api.task(id);
      return task.waiting?.reason === reason ? task : undefined;
    });

  /** A `gate` task in `queue`, running, holding its slot until the test opens its gate. */
  const runningGate = async (queue: string, fields: Record<string, unknown> = {}): Promise<Task> => {
    const task = await submit({ type: 'gate', queue, ...fields });
    return api.waitForStatus(task.id, 'running');
  };

  it('says no-worker for a type no live replica runs, and queue-paused once its queue is paused', async () => {
    const task = await submit({ type: 'orphan', queue: 'orphans' });

    expect((await api.task(task.id)).waiting).toEqual({
      reason: 'no-worker',
      message: 'no live replica runs task type orphan in queue orphans',
    });

    await api.http.post('/queues/orphans/pause').expect(200);
    expect((await api.task(task.id)).waiting).toEqual({ reason: 'queue-paused', message: 'queue orphans is paused' });
    await api.http.post('/queues/orphans/resume').expect(200);
  });

  it('says no-worker for a queue no live replica works', async () => {
    const task = await submit({ type: 'gate', queue: 'forgotten' });
    expect((await api.task(task.id)).waiting?.reason).toBe('no-worker');
  });

  it('says scheduled, until its runAt, for a task to run later', async () => {
    const runAt = new Date(Date.now() + HOUR_MS).toISOString();
    const task = await submit({ type: 'gate', queue: 'default', runAt });

    expect((await api.task(task.id)).waiting).toEqual({
      reason: 'scheduled',
      message: `scheduled to run at ${runAt}`,
      until: runAt,
    });
  });

  it('says retry-backoff, until the next attempt, for a task that failed once', async () => {
    const task = await submit({ type: 'fail', payload: { times: 1 }, queue: 'retried', maxAttempts: 3 });

    const retried = await waitFor(`task ${task.id} to be queued again after its first attempt`, async () => {
      const current = await api.task(task.id);
      return current.status === 'queued' && current.attempt === 1 ? current : undefined;
    });
    expect(retried.waiting).toEqual({
      reason: 'retry-backoff',
      message: `a failed attempt is retried at ${String(retried.runAt)}`,
      until: retried.runAt,
    });
    expect(new Date(String(retried.runAt)).getTime()).toBeGreaterThan(Date.now());
  });

  it("says queue-limit while the queue's cluster-wide concurrency is used up", async () => {
    await api.http.put('/queues/limited').send({ concurrency: 1 }).expect(200);
    const running = await runningGate('limited');
    const task = await submit({ type: 'gate', queue: 'limited' });

    expect((await waitForReason(task.id, 'queue-limit')).waiting?.message).toBe(
      '1 of 1 tasks of queue limited are running (concurrency 1)',
    );

    worker.app.get(ProbeEvents).openGate(running.id);
    worker.app.get(ProbeEvents).openGate(task.id);
    await api.waitForStatus(task.id, 'succeeded');
  });

  it("says key-limit while the task's key is at the queue's keyConcurrency", async () => {
    await api.http.put('/queues/keyed').send({ keyConcurrency: 1 }).expect(200);
    const running = await runningGate('keyed', { concurrencyKey: 'tenant-7' });
    const task = await submit({ type: 'gate', queue: 'keyed', concurrencyKey: 'tenant-7' });

    expect((await waitForReason(task.id, 'key-limit')).waiting?.message).toBe(
      '1 of 1 tasks with key tenant-7 are running (keyConcurrency 1)',
    );
    // Another key is not held back.
    const other = await runningGate('keyed', { concurrencyKey: 'tenant-8' });

    for (const id of [running.id, task.id, other.id]) worker.app.get(ProbeEvents).openGate(id);
    await api.waitForStatus(task.id, 'succeeded');
  });

  it('says rate-limited, until the window lets one more start, once the rate limit is used up', async () => {
    await api.http
      .put('/queues/metered')
      .send({ rateLimit: { limit: 1, intervalMs: HOUR_MS } })
      .expect(200);
    const first = await submit({ type: 'sleep', payload: { ms: 1 }, queue: 'metered' });
    const started = await api.waitForStatus(first.id, 'succeeded');
    const task = await submit({ type: 'sleep', payload: { ms: 1 }, queue: 'metered' });

    const { waiting } = await waitForReason(task.id, 'rate-limited');
    // The window opens an hour after the first start (the database keeps microseconds, JSON milliseconds).
    const opens = new Date(String(started.startedAt)).getTime() + HOUR_MS;
    expect(Math.abs(new Date(String(waiting?.until)).getTime() - opens)).toBeLessThanOrEqual(1);
    expect(waiting?.message).toBe(
      `the rate limit of queue metered is reached (1 of 1 starts in its interval); the next may start at ${String(waiting?.until)}`,
    );
  });

  it('says ready, with its place in its lane, while it waits for a free slot', async () => {
    const running = await runningGate('lined-up');
    const second = await submit({ type: 'gate', queue: 'lined-up' });
    const third = await submit({ type: 'gate', queue: 'lined-up' });

    expect((await api.task(second.id)).waiting).toEqual({
      reason: 'ready',
      message: 'waiting for a free slot, next in its lane',
      position: 1,
    });
    expect((await api.task(third.id)).waiting).toEqual({
      reason: 'ready',
      message: 'waiting for a free slot, 1 task before it in its lane',
      position: 2,
    });
    // A higher priority goes first: it is next, and the others move back.
    const urgent = await submit({ type: 'gate', queue: 'lined-up', priority: 5 });
    expect((await api.task(urgent.id)).waiting?.position).toBe(1);
    expect((await api.task(third.id)).waiting?.position).toBe(3);
    // Not queued, nothing to wait for.
    expect((await api.task(running.id)).waiting).toBeUndefined();

    // Behind a deep backlog the count stops at 1,000 tasks before it.
    await api.http
      .post('/tasks/batch')
      .send({ tasks: Array.from({ length: 1000 }, () => ({ type: 'gate', queue: 'lined-up', priority: -1 })) })
      .expect(201);
    const last = await submit({ type: 'gate', queue: 'lined-up', priority: -1 });
    expect((await api.task(last.id)).waiting).toEqual({
      reason: 'ready',
      message: 'waiting for a free slot, 1000+ tasks before it in its lane',
      position: 1001,
    });
  });

  it('finds the queued tasks waiting for a reason, and refuses a filter that cannot match', async () => {
    const stuck = await submit({ type: 'orphan', queue: 'orphans' });

    const { body } = await api.http.get('/tasks?status=queued&waiting=no-worker').expect(200);
    const listed = (body as { tasks: Task[] }).tasks;
    expect(listed.map((task) => task.id)).toContain(stuck.id);
    expect(listed.every((task) => task.waiting?.reason === 'no-worker')).toBe(true);
    // Without status too; lists leave the position out.
    const ready = (await api.http.get('/tasks?waiting=ready&queue=lined-up').expect(200)).body as { tasks: Task[] };
    expect(ready.tasks.length).toBeGreaterThan(0);
    expect(ready.tasks.map((task) => task.waiting)).toContainEqual({
      reason: 'ready',
      message: 'waiting for a free slot',
    });

    const wrongReason = await api.http.get('/tasks?waiting=stuck').expect(400);
    expect(wrongReason.body.message).toEqual([
      'waiting must be one of buffered, scheduled, retry-backoff, queue-paused, no-worker, queue-limit, key-limit, rate-limited, ready',
    ]);
    const wrongStatus = await api.http.get('/tasks?status=running&waiting=ready').expect(400);
    expect(wrongStatus.body.message).toBe('waiting filters queued tasks: give status=queued, or leave status out');
  });

  it('counts the queued tasks of each queue by reason on GET /queues and in /metrics', async () => {
    const paused = 'counted';
    await api.http.post(`/queues/${paused}/pause`).expect(200);
    for (let i = 0; i < 3; i++) await submit({ type: 'gate', queue: paused });
    await submit({ type: 'gate', queue: paused, runAt: new Date(Date.now() + HOUR_MS).toISOString() });

    const { body } = await api.http.get('/queues').expect(200);
    const queue = (body as { queues: { name: string; waiting: Record<string, number> }[] }).queues.find(
      (candidate) => candidate.name === paused,
    );
    expect(queue?.waiting).toEqual({
      buffered: 0,
      scheduled: 1,
      'retry-backoff': 0,
      'queue-paused': 3,
      'no-worker': 0,
      'queue-limit': 0,
      'key-limit': 0,
      'rate-limited': 0,
      ready: 0,
    });

    const metrics = (await api.http.get('/metrics').expect(200)).text;
    expect(metrics).toContain(`tasksystem_tasks_waiting{queue="${paused}",reason="queue-paused"} 3`);
    expect(metrics).toContain(`tasksystem_tasks_waiting{queue="${paused}",reason="scheduled"} 1`);
  });
});
