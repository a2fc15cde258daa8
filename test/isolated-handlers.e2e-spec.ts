import { MAX_CPU_MS } from '../src/handlers/cpu.handler.js';
import type { Task } from '../src/task-store/task.js';
import { IsolatedThreads } from '../src/worker/isolated/isolated-threads.service.js';
import { TaskRunners } from '../src/worker/task-runners.js';
import type { TerminableTaskHandler } from '../src/task-types/task-handler.js';
import { openEventStream } from './support/event-stream.js';
import { IsolatedProbeHandlersModule } from './support/isolated-probe-handlers.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { freePort, startService } from './support/service-process.js';
import type { ServiceProcess } from './support/service-process.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { settlesWithin, waitFor } from './support/wait-for.js';

/** How long an aborted handler has before its thread is terminated, in these tests. */
const CANCEL_GRACE_MS = 1500;
/**
 * A cpu task that could only end by being stopped: left alone it would burn its core for ten minutes, far
 * past any test's end. A test that sees it end saw its thread terminated, however long that took.
 */
const ENDLESS_CPU = { type: 'cpu', payload: { ms: MAX_CPU_MS } };

/**
 * Isolated task types, in worker threads: `cpu` (shipped, never yields) and the test-only `isolated-probe`,
 * with two replicas on one database: `worker` runs tasks, `api` only serves HTTP. The worker's lease is a
 * day long, so its heartbeat comes every 8 hours: a stop that arrives within a test came through
 * LISTEN/NOTIFY.
 */
describe('isolated handlers', () => {
  let database: TestDatabase;
  let api: TestApp;
  let worker: TestApp;
  let threads: IsolatedThreads;
  /** The tasks whose thread the worker terminated: their handler did not end on its own within the grace. */
  const terminated = new Set<string>();

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database.url, { WORKER_ENABLED: 'false' }, [IsolatedProbeHandlersModule]);
    worker = await startTestApp(
      database.url,
      { WORKER_CONCURRENCY: '3', LEASE_MS: '86400000', CANCEL_GRACE_MS: String(CANCEL_GRACE_MS) },
      [IsolatedProbeHandlersModule],
    );
    threads = worker.app.get(IsolatedThreads);
    for (const type of ['cpu', 'isolated-probe']) recordTerminations(worker, type, terminated);
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

  /**
   * Stops a running task through `via`, and returns the answer with how long it took. The DELETE waits as long
   * as the API allows (30 s): a 202 means the stop did not work, not that the machine was slow.
   */
  const stop = async (via: TestApp, id: string): Promise<{ task: Task; status: number; elapsedMs: number }> => {
    const sentAt = Date.now();
    const response = await via.http.delete(`/tasks/${id}?wait=30000`);
    return { task: response.body as Task, status: response.status, elapsedMs: Date.now() - sentAt };
  };

  it.each([
    ['the worker replica itself', () => worker],
    ['an API-only replica', () => api],
  ])(
    'stops a cpu task that never yields, sent to %s: its thread terminated once CANCEL_GRACE_MS ran out, then cancelled',
    async (_, via) => {
      const id = await submit(ENDLESS_CPU);
      const threadId = await threadOf(id);
      const { task, status, elapsedMs } = await stop(via(), id);
      expect(status).toBe(200);
      expect(task).toMatchObject({ id, status: 'cancelled', error: { message: 'stopped on request' } });
      // It cannot see its signal: the grace ran out, then its thread was terminated.
      expect(elapsedMs).toBeGreaterThanOrEqual(CANCEL_GRACE_MS);
      expect(terminated.has(id)).toBe(true);
      // Settled only once the thread exited, so it is gone by the time the task is cancelled.
      expect(threadIsAlive(threadId)).toBe(false);
    },
  );

  it('times out a cpu task by terminating its thread, and retries it like any timed-out attempt', async () => {
    const id = await submit({ type: 'cpu', payload: { ms: 60_000 }, timeoutMs: 300, maxAttempts: 2 });
    const task = await api.waitForStatus(id, 'failed', 'succeeded', 'cancelled');
    // Killed, not abandoned: nothing of the first attempt still runs, so the second one was allowed.
    expect(task).toMatchObject({ status: 'failed', attempt: 2, error: { message: 'timed out after 300 ms' } });
    expect(terminated.has(id)).toBe(true);
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
    const ids = await Promise.all([1, 2, 3].map(() => submit(ENDLESS_CPU)));
    await Promise.all(ids.map((id) => threadOf(id)));
    // Inline, the handlers would hold the event loop for ten minutes, and no request would be answered before
    // they ended; in threads, the worker answers every request while all three still run.
    const reads = async (): Promise<string[]> => {
      const statuses: string[] = [];
      for (let i = 0; i < 20; i++) {
        statuses.push(((await worker.http.get(`/tasks/${ids[i % ids.length]}`).expect(200)).body as Task).status);
      }
      return statuses;
    };
    expect(await settlesWithin('20 reads while every slot runs a thread', reads(), { timeoutMs: 30_000 })).toEqual(
      Array(20).fill('running'),
    );
    expect(ids.map((id) => threads.threads().some((thread) => thread.taskId === id))).toEqual([true, true, true]);
    const stops = await Promise.all(ids.map((id) => stop(worker, id)));
    expect(stops.map(({ task }) => task.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });
});

/**
 * A stop relayed into a thread whose handler listens to its signal, on a replica whose grace is ten minutes:
 * the handler can only have ended on its own, never by its thread being terminated.
 */
describe('isolated handlers that listen to their signal', () => {
  let database: TestDatabase;
  let replica: TestApp;
  const terminated = new Set<string>();

  beforeAll(async () => {
    database = await createTestDatabase();
    replica = await startTestApp(database.url, { LEASE_MS: '86400000', CANCEL_GRACE_MS: '600000' }, [
      IsolatedProbeHandlersModule,
    ]);
    recordTerminations(replica, 'isolated-probe', terminated);
  });

  afterAll(async () => {
    await replica?.close();
    await database?.drop();
  });

  it('relays a stop into the thread: the handler ends on its own, and its thread is not reused', async () => {
    const id = (
      await replica.http
        .post('/tasks')
        .send({ type: 'isolated-probe', payload: { action: 'wait-for-abort' }, maxAttempts: 1 })
        .expect(201)
    ).body.id as string;
    const threads = replica.app.get(IsolatedThreads);
    const { threadId } = await waitFor(`a worker thread to run task ${id}`, () =>
      threads.threads().find((thread) => thread.taskId === id),
    );
    const response = await replica.http.delete(`/tasks/${id}?wait=30000`).expect(200);
    expect(response.body).toMatchObject({ status: 'cancelled', error: { message: 'stopped on request' } });
    expect(terminated.has(id)).toBe(false);
    // It stopped cleanly, but a thread whose task was aborted is never reused.
    await waitFor(`thread ${threadId} to be ended`, () => !threads.threads().some((t) => t.threadId === threadId));
  });
});

/**
 * Notes in `terminated` the id of each task whose thread the replica terminates (its handler did not end
 * within CANCEL_GRACE_MS of its abort), and terminates it as before.
 */
function recordTerminations(replica: TestApp, type: string, terminated: Set<string>): void {
  const handler = replica.app.get(TaskRunners, { strict: false }).of(type) as TerminableTaskHandler;
  const terminate = handler.terminate.bind(handler);
  handler.terminate = (context) => {
    terminated.add(context.task.id);
    terminate(context);
  };
}

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
    const { task } = await call('POST', '/tasks', ENDLESS_CPU);
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

  it('stops a running cpu task, terminating its thread once CANCEL_GRACE_MS ran out', async () => {
    const id = await runningCpuTask();
    const sentAt = Date.now();
    const { status, task } = await call('DELETE', `/tasks/${id}?wait=30000`);
    expect({ status, taskStatus: task.status }).toEqual({ status: 200, taskStatus: 'cancelled' });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(500); // it cannot see its signal: the grace ran out first
  });

  it('on SIGTERM, terminates a cpu thread past SHUTDOWN_GRACE_MS, hands its task back and exits 0', async () => {
    const id = await runningCpuTask();
    const sentAt = Date.now();
    service!.child.kill('SIGTERM');
    // The thread would run for ten minutes: an exit at all means it was terminated.
    expect(await settlesWithin('the service to exit after SIGTERM', service!.exited)).toBe(0);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(300); // SHUTDOWN_GRACE_MS first
    const [row] = await database.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [id]);
    expect(row.status).toBe('queued');
  });
});
