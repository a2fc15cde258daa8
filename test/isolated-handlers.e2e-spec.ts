import type { Task } from '../src/task-store/task.js';
import { IsolatedThreads } from '../src/worker/isolated/isolated-threads.service.js';
import { openEventStream } from './support/event-stream.js';
import { IsolatedProbeHandlersModule } from './support/isolated-probe-handlers.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { freePort, startService } from './support/service-process.js';
import type { ServiceProcess } from './support/service-process.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/** How long an aborted handler has before its thread is terminated, in these tests. */
const CANCEL_GRACE_MS = 1500;
/** Room on top of the grace for the DELETE's round trips, the NOTIFY and the thread's exit, on a busy CI machine. */
const STOP_MARGIN_MS = 1500;

/**
 * Isolated task types, in worker threads: `cpu` (shipped, never yields) and the test-only `isolated-probe`,
 * with two replicas on one database: `worker` runs tasks, `api` only serves HTTP. The worker's lease is
 * long, so a stop that arrives within a test came through LISTEN/NOTIFY, not the heartbeat.
 */
describe('isolated handlers', () => {
  let database: TestDatabase;
  let api: TestApp;
  let worker: TestApp;
  let threads: IsolatedThreads;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database.url, { WORKER_ENABLED: 'false' }, [IsolatedProbeHandlersModule]);
    worker = await startTestApp(
      database.url,
      { WORKER_CONCURRENCY: '3', LEASE_MS: '60000', CANCEL_GRACE_MS: String(CANCEL_GRACE_MS) },
      [IsolatedProbeHandlersModule],
    );
    threads = worker.app.get(IsolatedThreads);
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await database?.drop();
  });

  const submit = async (body: object): Promise<string> =>
    ((await api.http.post('/tasks').send(body).expect(201)).body as { id: string }).id;

  const probe = (payload: object, extra: object = {}): Promise<string> =>
    submit({ type: 'isolated-probe', payload, maxAttempts: 1, ...extra });

  /** Waits until a thread of the worker runs this task, and returns that thread's id. */
  const threadOf = (taskId: string): Promise<number> =>
    waitFor(
      `a worker thread to run task ${taskId}`,
      () => threads.threads().find((t) => t.taskId === taskId)?.threadId,
    );

  const threadIsAlive = (threadId: number): boolean => threads.threads().some((t) => t.threadId === threadId);

  /** Stops a running task through `via`, and returns the answer with how long it took. */
  const stop = async (via: TestApp, id: string): Promise<{ task: Task; status: number; elapsedMs: number }> => {
    const sentAt = Date.now();
    const response = await via.http.delete(`/tasks/${id}?wait=10000`);
    return { task: response.body as Task, status: response.status, elapsedMs: Date.now() - sentAt };
  };

  it.each([
    ['the worker replica itself', () => worker],
    ['an API-only replica', () => api],
  ])(
    'stops a cpu task that never yields, sent to %s: cancelled within CANCEL_GRACE_MS, its thread gone',
    async (_, via) => {
      const id = await submit({ type: 'cpu', payload: { ms: 60_000 } });
      const threadId = await threadOf(id);
      const { task, status, elapsedMs } = await stop(via(), id);
      expect(status).toBe(200);
      expect(task).toMatchObject({ id, status: 'cancelled', error: { message: 'stopped on request' } });
      expect(elapsedMs).toBeGreaterThanOrEqual(CANCEL_GRACE_MS); // it cannot see its signal: the thread was killed
      expect(elapsedMs).toBeLessThan(CANCEL_GRACE_MS + STOP_MARGIN_MS);
      // Settled only once the thread exited, so it is gone by the time the task is cancelled.
      expect(threadIsAlive(threadId)).toBe(false);
    },
  );

  it('relays a stop into the thread: a handler that listens to its signal ends before the grace runs out', async () => {
    const id = await probe({ action: 'wait-for-abort' });
    const threadId = await threadOf(id);
    const { task, status, elapsedMs } = await stop(api, id);
    expect(status).toBe(200);
    expect(task).toMatchObject({ status: 'cancelled', error: { message: 'stopped on request' } });
    expect(elapsedMs).toBeLessThan(CANCEL_GRACE_MS);
    // It stopped cleanly, but a thread whose task was aborted is never reused.
    await waitFor(`thread ${threadId} to be ended`, () => !threadIsAlive(threadId));
  });

  it('times out a cpu task by terminating its thread, and retries it like any timed-out attempt', async () => {
    const id = await submit({ type: 'cpu', payload: { ms: 60_000 }, timeoutMs: 300, maxAttempts: 2 });
    const task = await api.waitForStatus(id, 'failed', 'succeeded', 'cancelled');
    // Killed, not abandoned: nothing of the first attempt still runs, so the second one was allowed.
    expect(task).toMatchObject({ status: 'failed', attempt: 2, error: { message: 'timed out after 300 ms' } });
    expect(threads.threads().filter((t) => t.type === 'cpu' && t.taskId === id)).toEqual([]);
  });

  it('reuses a thread after a task that ended on its own', async () => {
    const first = await probe({ action: 'whoami' });
    const { result: firstResult } = await api.waitForStatus(first, 'succeeded');
    const second = await probe({ action: 'whoami' });
    const { result: secondResult } = await api.waitForStatus(second, 'succeeded');
    expect(secondResult).toEqual(firstResult);
  });

  it('fails the attempt of a handler that throws, with its error as data', async () => {
    const id = await probe({ action: 'throw', message: 'broken on purpose' });
    const task = await api.waitForStatus(id, 'failed', 'succeeded');
    expect(task).toMatchObject({ status: 'failed', error: { message: 'broken on purpose', name: 'ProbeError' } });
  });

  it('fails the attempt of a thread that exhausts its memory limit, and the replica carries on', async () => {
    const id = await probe({ action: 'exhaust-memory' });
    const task = await api.waitForStatus(id, 'failed', 'succeeded');
    expect(task.status).toBe('failed');
    expect(task.error?.message).toMatch(/memory limit/);
    await expectTheTypeStillRuns();
  });

  it('fails the attempt of a thread that calls process.exit, and the replica carries on', async () => {
    const id = await probe({ action: 'exit', code: 3 });
    const task = await api.waitForStatus(id, 'failed', 'succeeded');
    expect(task).toMatchObject({
      status: 'failed',
      error: { message: "the task's worker thread exited with code 3 before it finished" },
    });
    await expectTheTypeStillRuns();
  });

  async function expectTheTypeStillRuns(): Promise<void> {
    const id = await probe({ action: 'whoami' });
    await api.waitForStatus(id, 'succeeded');
    await api.http.get('/health').expect(200);
  }

  it('shows the last progress an inline handler reported through GET /tasks/:id', async () => {
    const steps = Array.from({ length: 101 }, (_, percent) => percent);
    const id = await submit({ type: 'inline-progress', payload: { steps, message: 'step' } });
    const task = await waitFor('the last progress to be stored', async () => {
      const current = await api.task(id);
      return current.progress?.percent === 100 ? current : undefined;
    });
    expect(task).toMatchObject({ status: 'running', progress: { percent: 100, message: 'step 100' } });
    await stop(api, id);
  });

  it('shows the progress of isolated handlers, even one that never yields', async () => {
    const waiting = await probe({ action: 'progress-then-wait', percent: 42.5, message: 'from a thread' });
    await waitFor('the thread’s progress', async () => (await api.task(waiting)).progress?.percent === 42.5);
    expect((await api.task(waiting)).progress).toEqual({ percent: 42.5, message: 'from a thread' });

    // cpu reports every whole percent from inside its loop; 1% of 60 s is 600 ms.
    const busy = await submit({ type: 'cpu', payload: { ms: 60_000 } });
    const { progress } = await waitFor('cpu progress past 0%', async () => {
      const task = await api.task(busy);
      return (task.progress?.percent ?? 0) >= 1 ? task : undefined;
    });
    expect(progress?.message).toMatch(/^\d+ iterations$/);
    await Promise.all([stop(api, waiting), stop(api, busy)]);
  });

  it('pushes progress to the event stream of another replica', async () => {
    const stream = await openEventStream(api.app);
    try {
      const id = await probe({ action: 'progress-then-wait', percent: 7, message: 'streamed' });
      await stream.waitForEvent('the progress of the task', (event) => {
        const task = event.data as Task;
        return event.event === 'task' && task.id === id && task.progress?.message === 'streamed';
      });
      await stop(api, id);
    } finally {
      stream.close();
    }
  });

  it('refuses a progress value out of range inside the thread, with a TypeError', async () => {
    const id = await probe({ action: 'bad-progress', percent: 101 });
    const task = await api.waitForStatus(id, 'succeeded', 'failed');
    expect(task.result).toEqual({ thrown: 'TypeError', message: 'progress must be a number from 0 to 100, got 101' });
    expect(task.progress).toBeNull();
  });

  it('keeps answering HTTP while every slot runs a thread that never yields', async () => {
    const ids = await Promise.all([1, 2, 3].map(() => submit({ type: 'cpu', payload: { ms: 60_000 } })));
    await Promise.all(ids.map((id) => threadOf(id)));
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const sentAt = Date.now();
      await worker.http.get(`/tasks/${ids[i % ids.length]}`).expect(200);
      latencies.push(Date.now() - sentAt);
    }
    // With the handlers inline, the first request would wait a minute; threads leave the event loop free.
    expect(Math.max(...latencies)).toBeLessThan(1000);
    const stops = await Promise.all(ids.map((id) => stop(worker, id)));
    expect(stops.map(({ task }) => task.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });
});

/**
 * `cpu` in the service as `npm start` runs it (node dist/main.js): there the thread modules are the compiled
 * files themselves, not the twins the in-process tests above resolve from src/.
 */
describe('isolated handlers in the service process', () => {
  let database: TestDatabase;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startService(process.cwd(), {
      PORT: String(await freePort()),
      DATABASE_URL: database.url,
      CANCEL_GRACE_MS: '500',
      SHUTDOWN_GRACE_MS: '300',
      POLL_INTERVAL_MS: '200',
    });
  });

  afterAll(async () => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
    await database?.drop();
  });

  const call = async (method: string, path: string, body?: object): Promise<{ status: number; task: Task }> => {
    const response = await fetch(`${service!.baseUrl}${path}`, { method, body: body && JSON.stringify(body) });
    return { status: response.status, task: (await response.json()) as Task };
  };

  const runningCpuTask = async (): Promise<string> => {
    const { task } = await call('POST', '/tasks', { type: 'cpu', payload: { ms: 60_000 } });
    await waitFor(
      'the cpu task to run',
      async () => (await call('GET', `/tasks/${task.id}`)).task.status === 'running',
    );
    return task.id;
  };

  it('runs a cpu task to its result', async () => {
    const { task } = await call('POST', '/tasks', { type: 'cpu', payload: { ms: 30 } });
    const done = await waitFor('the cpu task to finish', async () => {
      const current = (await call('GET', `/tasks/${task.id}`)).task;
      return current.status === 'running' || current.status === 'queued' ? undefined : current;
    });
    expect(done.status).toBe('succeeded');
    expect((done.result as { iterations: number }).iterations).toBeGreaterThan(0);
  });

  it('stops a running cpu task', async () => {
    const id = await runningCpuTask();
    const sentAt = Date.now();
    const { status, task } = await call('DELETE', `/tasks/${id}?wait=10000`);
    expect({ status, taskStatus: task.status }).toEqual({ status: 200, taskStatus: 'cancelled' });
    expect(Date.now() - sentAt).toBeLessThan(500 + STOP_MARGIN_MS);
  });

  it('on SIGTERM, terminates a cpu thread past SHUTDOWN_GRACE_MS, hands its task back and exits 0', async () => {
    const id = await runningCpuTask();
    const sentAt = Date.now();
    service!.child.kill('SIGTERM');
    expect(await service!.exited).toBe(0);
    expect(Date.now() - sentAt).toBeLessThan(300 + STOP_MARGIN_MS);
    const [row] = await database.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [id]);
    expect(row.status).toBe('queued');
  });
});
