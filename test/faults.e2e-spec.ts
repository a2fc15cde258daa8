import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres/embedded-postgres.js';
import type { Task } from '../src/task-store/task.js';
import { freePort, startService } from './support/service-process.js';
import type { ServiceProcess } from './support/service-process.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { TaskOutcomeWriter } from '../src/worker/task-outcome.writer.js';
import { ProbeEvents, ProbeHandlersModule } from './support/probe-handlers.js';
import { startTestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/**
 * Faults caused for real: replicas are separate processes killed with SIGKILL, frozen with SIGSTOP and
 * stopped with SIGTERM; PostgreSQL itself is stopped and started again. Nothing may be lost.
 */
describe('faults', () => {
  let database: TestDatabase;
  const services: ServiceProcess[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    for (const service of services.splice(0)) {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        service.child.kill('SIGKILL');
        await service.exited;
      }
    }
    await database.drop();
  });

  /** A replica process on the test database with a short lease: a dead holder is noticed after 1.5 s. */
  async function replica(replicaId: string, environment: Record<string, string> = {}): Promise<ServiceProcess> {
    const service = await startService(tmpdir(), {
      PORT: String(await freePort()),
      DATABASE_URL: database.url,
      REPLICA_ID: replicaId,
      LEASE_MS: '1500',
      POLL_INTERVAL_MS: '200',
      ...environment,
    });
    services.push(service);
    return service;
  }

  async function submit(service: ServiceProcess, body: object): Promise<string> {
    const response = await fetch(`${service.baseUrl}/tasks`, { method: 'POST', body: JSON.stringify(body) });
    expect(response.status).toBe(201);
    return ((await response.json()) as Task).id;
  }

  const taskRow = async (id: string): Promise<Task> =>
    (
      await database.query<Task>(
        `SELECT id, status, attempt, worker_id AS "workerId", result, error FROM tasks WHERE id = $1`,
        [id],
      )
    )[0];

  const waitForTask = (description: string, id: string, check: (task: Task) => boolean): Promise<Task> =>
    waitFor(description, async () => {
      const task = await taskRow(id);
      return check(task) ? task : undefined;
    });

  /** Starts two replicas, submits a task, and tells which of the two holds it. */
  async function twoReplicasAndATask(names: [string, string], body: object) {
    const replicas = [await replica(names[0]), await replica(names[1])];
    const id = await submit(replicas[0], body);
    const running = await waitForTask('a replica to run the task', id, (task) => task.status === 'running');
    const holderIndex = running.workerId!.startsWith(`${names[0]}/`) ? 0 : 1;
    return {
      id,
      holder: replicas[holderIndex],
      holderName: names[holderIndex],
      other: replicas[1 - holderIndex],
      otherName: names[1 - holderIndex],
    };
  }

  it('kill -9 of a replica mid-run: another replica takes the task up after the lease and finishes it, counting the attempt', async () => {
    const { id, holder, other, otherName } = await twoReplicasAndATask(['one', 'two'], {
      type: 'sleep',
      payload: { ms: 3000 },
    });

    holder.child.kill('SIGKILL');
    const killedAt = Date.now();
    await holder.exited;
    const taken = await waitForTask(
      'the other replica to take the task up',
      id,
      (task) => task.workerId?.startsWith(`${otherName}/`) ?? false,
    );
    process.stdout.write(
      `recovery after kill -9: the other replica started the task ${Date.now() - killedAt} ms after the kill (LEASE_MS 1500, POLL_INTERVAL_MS 200)\n`,
    );
    expect(taken).toMatchObject({ status: 'running', attempt: 2 });

    const done = await waitForTask('the task to finish', id, (task) => task.status !== 'running');
    expect(done).toMatchObject({ status: 'succeeded', attempt: 2, result: { slept: 3000 } });
    expect(done.workerId).toMatch(new RegExp(`^${otherName}/`));
    other.child.kill('SIGTERM');
    expect(await other.exited).toBe(0);
  });

  it('kill -9 of a replica with tasks in its claim buffer: they return to the queue within the lease, never started, and run once elsewhere', async () => {
    // One slot, held by a long sleep after a burst of quick tasks: the burst sets the pace that makes it
    // claim ahead, so the tasks after the long one wait in its buffer.
    const holder = await replica('buffering', { WORKER_CONCURRENCY: '1', WORKER_PREFETCH: '20' });
    const quick = Array.from({ length: 30 }, () => ({ type: 'sleep', payload: { ms: 0 } }));
    const response = await fetch(`${holder.baseUrl}/tasks/batch`, {
      method: 'POST',
      body: JSON.stringify({
        tasks: [...quick, { type: 'sleep', payload: { ms: 60_000 } }, ...quick.slice(0, 10)],
      }),
    });
    expect(response.status).toBe(201);
    const ids = ((await response.json()) as { tasks: Task[] }).tasks.map((task) => task.id);
    const inBuffer = (): Promise<{ id: string; deadline: Date }[]> =>
      database.query(
        `SELECT id::text, lease_expires_at AS deadline FROM tasks
         WHERE status = 'queued' AND starts_with(buffered_by, 'buffering#') ORDER BY id`,
      );
    await waitForTask('the long task to hold the slot', ids[30], (task) => task.status === 'running');
    await waitFor('tasks to wait in the buffer of the replica', async () => (await inBuffer()).length >= 2);

    holder.child.kill('SIGKILL');
    const killedAt = new Date();
    await holder.exited;
    const buffered = await inBuffer();
    expect(buffered.length).toBeGreaterThanOrEqual(2);
    // Every buffered task's deadline is within a lease of the kill: lease recovery frees it after that.
    for (const { deadline } of buffered) expect(deadline.getTime()).toBeLessThanOrEqual(killedAt.getTime() + 1500);

    const other = await replica('other', { WORKER_CONCURRENCY: '4' });
    for (const { id } of buffered) {
      const done = await waitForTask(`buffered task ${id} to run elsewhere`, id, (task) => task.status === 'succeeded');
      // Attempt 1: it never started on the killed replica, so nothing of it is counted or ran twice.
      expect(done).toMatchObject({ attempt: 1, workerId: expect.stringMatching(/^other\//) as string });
    }
    await fetch(`${other.baseUrl}/tasks/${ids[30]}`, { method: 'DELETE' });
    for (const id of ids) {
      await waitForTask(`task ${id} to end`, id, (task) => ['succeeded', 'cancelled'].includes(task.status));
    }
  });

  it('a replica frozen past its lease loses its task to another, and its late outcome is refused', async () => {
    const {
      id,
      holder: frozen,
      other: awake,
      otherName,
    } = await twoReplicasAndATask(['first', 'second'], { type: 'sleep', payload: { ms: 4000 } });

    frozen.child.kill('SIGSTOP');
    await waitForTask(
      'the awake replica to take the task over',
      id,
      (task) => task.workerId?.startsWith(`${otherName}/`) ?? false,
    );
    frozen.child.kill('SIGCONT');
    // On waking, the frozen replica's heartbeat (or, later, its handler) is due: either way it must find
    // the task no longer its own and write nothing.
    await waitFor('the frozen replica to give the task up', () => /lease lost|no longer held/.test(frozen.output()));

    const done = await waitForTask('the task to finish', id, (task) => task.status !== 'running');
    expect(done).toMatchObject({ status: 'succeeded', attempt: 2, result: { slept: 4000 } });
    expect(done.workerId).toMatch(new RegExp(`^${otherName}/`));
    // Written once, by the holder: the awake replica logged the outcome, the frozen one never did.
    const outcomeLine = new RegExp(`task ${id} \\(sleep\\) succeeded`);
    await waitFor('the awake replica to log the outcome', () => outcomeLine.test(awake.output()));
    expect(frozen.output()).not.toMatch(outcomeLine);
  });

  it('a stop asked of a task whose replica died ends it cancelled once the lease runs out', async () => {
    const dead = await replica('dead');
    const id = await submit(dead, { type: 'sleep', payload: { ms: 60_000 } });
    await waitForTask('the task to run', id, (task) => task.status === 'running');
    const survivor = await replica('survivor');
    dead.child.kill('SIGKILL');
    await dead.exited;

    const response = await fetch(`${survivor.baseUrl}/tasks/${id}?wait=0`, { method: 'DELETE' });
    expect(response.status).toBe(202);
    const done = await waitForTask('the task to end', id, (task) => task.status !== 'running');
    expect(done).toMatchObject({ status: 'cancelled', attempt: 1, error: { message: 'stopped on request' } });
    expect(done.workerId).toMatch(/^dead\//);
  });

  it('refuses the outcome of an attempt whose task was taken over meanwhile (fencing)', async () => {
    // A day-long lease: the heartbeat (every 8 h) never notices the takeover, so only the write's fence can.
    const app = await startTestApp(database.url, { LEASE_MS: '86400000' }, [ProbeHandlersModule]);
    try {
      const id = (await app.http.post('/tasks').send({ type: 'gate' }).expect(201)).body.id as string;
      await app.waitForStatus(id, 'running');
      // Another holder takes the task over, as lease recovery and a claim elsewhere would, while the handler
      // waits at its gate: it cannot have ended first, however slow the machine.
      await database.query(`UPDATE tasks SET worker_id = 'elsewhere/1', attempt = attempt + 1 WHERE id = $1`, [id]);
      const dropped = new RegExp(`task ${id}: attempt 1 is no longer held`);
      const logged: string[] = [];
      const logger = app.app.get(TaskOutcomeWriter)['logger'] as { warn: (message: string) => void };
      const warn = logger.warn.bind(logger);
      logger.warn = (message: string) => (logged.push(message), warn(message));
      app.app.get(ProbeEvents).openGate(id, { late: true });
      await waitFor('the late outcome to be refused', () => logged.some((line) => dropped.test(line)));
      expect(await taskRow(id)).toMatchObject({ status: 'running', attempt: 2, workerId: 'elsewhere/1', result: null });
    } finally {
      await app.close();
    }
  });

  it('SIGTERM: the replica hands its running task back without counting the attempt, and exits 0', async () => {
    const leaving = await replica('leaving', { SHUTDOWN_GRACE_MS: '300' });
    const id = await submit(leaving, { type: 'sleep', payload: { ms: 60_000 } });
    await waitForTask('the task to run', id, (task) => task.status === 'running');
    leaving.child.kill('SIGTERM');
    expect(await leaving.exited).toBe(0);
    expect(leaving.output()).toMatch(new RegExp(`task ${id} \\(sleep\\) handed back to the queue`));
    expect(await taskRow(id)).toMatchObject({ status: 'queued', attempt: 0 });

    const next = await replica('next');
    await waitForTask('another replica to take it', id, (task) => task.workerId?.startsWith('next/') ?? false);
    expect(await taskRow(id)).toMatchObject({ status: 'running', attempt: 1 });
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });

  it('waits an exponential backoff with jitter before a retry', async () => {
    const app = await startTestApp(database.url, { RETRY_BASE_MS: '1000', RETRY_MAX_MS: '60000' });
    try {
      const created = (
        await app.http
          .post('/tasks')
          .send({ type: 'fail', payload: { times: 1 } })
          .expect(201)
      ).body as Task;
      const done = await app.waitForStatus(created.id, 'succeeded', 'failed');
      expect(done.attempt).toBe(2);
      // The statement that recorded the first attempt's end set the retry's runAt: the difference is the
      // delay it chose, between half and all of RETRY_BASE_MS for a first retry, whatever the machine's speed.
      const [first] = (await app.http.get(`/tasks/${created.id}/attempts`).expect(200)).body.attempts as {
        finishedAt: string;
      }[];
      const retryDelay = Date.parse(String(done.runAt)) - Date.parse(first.finishedAt);
      expect(retryDelay).toBeGreaterThanOrEqual(500);
      expect(retryDelay).toBeLessThanOrEqual(1000);
      expect(Date.parse(String(done.startedAt))).toBeGreaterThanOrEqual(Date.parse(String(done.runAt)));
    } finally {
      await app.close();
    }
  });
});

describe('PostgreSQL restarted under load', () => {
  it('answers 503 while it is down, then finishes every task once it is back', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tasksystem-restart-'));
    chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as the OS user "postgres"
    const port = await freePort();
    const start = () =>
      startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), preferredPort: port, fast: true, log: () => undefined });
    let server = await start();
    const app = await startTestApp(server.url, { WORKER_CONCURRENCY: '4' });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++)
        ids.push(
          (
            await app.http
              .post('/tasks')
              .send({ type: 'sleep', payload: { ms: 400 } })
              .expect(201)
          ).body.id,
        );
      await waitFor(
        'tasks to be running',
        async () => ((await app.http.get('/tasks?status=running')).body as { tasks: Task[] }).tasks.length > 0,
      );

      await server.stop();
      const down = await app.http.get('/tasks');
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ statusCode: 503, message: 'the database is unavailable; retry shortly' });
      expect((await app.http.get('/health')).status).toBe(503);
      expect((await app.http.get('/health/ready')).status).toBe(503);
      expect((await app.http.get('/health/live')).status).toBe(200);

      server = await start();
      expect(server.port).toBe(port);
      for (const id of ids) await app.waitForStatus(id, 'succeeded', 'failed', 'cancelled');
      const statuses = ((await app.http.get('/tasks?limit=500').expect(200)).body as { tasks: Task[] }).tasks.map(
        (t) => t.status,
      );
      expect(statuses).toEqual(Array(12).fill('succeeded'));
      await waitFor(
        'the LISTEN connection to be back',
        async () => (await app.http.get('/health/ready')).status === 200,
      );
    } finally {
      await app.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
