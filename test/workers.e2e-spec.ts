import { readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
/** A replica as GET /workers answers it: the OpenAPI document's type. */
import type { Worker } from '../src/client/index.js';
import { GoneWorkersRetention } from '../src/maintenance/gone-workers-retention.service.js';
import { aLiveWorkerRuns } from '../src/workers/workers.sql.js';
import { ProbeEvents, ProbeHandlersModule } from './support/probe-handlers.js';
import { freePort, startService } from './support/service-process.js';
import type { ServiceProcess } from './support/service-process.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
/** A short lease: replicas beat every 300 ms, and a silent one is gone 900 ms after its last beat. */
const LEASE_MS = '900';

/**
 * GET /workers with several replicas on one database: in-process replicas (app.close() is their clean
 * stop) and a real process killed with SIGKILL. Every check waits for what a reader of the route sees.
 */
describe('live workers', () => {
  let database: TestDatabase;
  /** Runs the probe types (`gate`) on 3 slots, every queue. */
  let alpha: TestApp;
  /** Only the shipped types, 2 slots, two queues: one limited here. */
  let beta: TestApp;
  /** Serves the API only: no worker, so never listed. */
  let apiOnly: TestApp;
  let killed: ServiceProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    alpha = await startTestApp(database.url, { REPLICA_ID: 'alpha', WORKER_CONCURRENCY: '3', LEASE_MS }, [
      ProbeHandlersModule,
    ]);
    beta = await startTestApp(database.url, {
      REPLICA_ID: 'beta',
      WORKER_CONCURRENCY: '2',
      WORKER_QUEUES: 'reports:1,default',
      LEASE_MS,
    });
    apiOnly = await startTestApp(database.url, { REPLICA_ID: 'api-only', WORKER_ENABLED: 'false' });
  });

  afterAll(async () => {
    if (killed && killed.child.exitCode === null && killed.child.signalCode === null) killed.child.kill('SIGKILL');
    for (const replica of [alpha, beta, apiOnly]) await replica?.close();
    await database?.drop();
  });

  const workers = async (from = apiOnly): Promise<Worker[]> =>
    ((await from.http.get('/workers').expect(200)).body as { workers: Worker[] }).workers;

  const waitForWorker = (description: string, id: string, check: (worker: Worker) => boolean) =>
    waitFor(`worker ${id} ${description}`, async () => {
      const worker = (await workers()).find((candidate) => candidate.id === id);
      return worker && check(worker) ? worker : undefined;
    });

  it('lists each replica that runs tasks with its host, types, slots and queues; not an API-only one', async () => {
    // Each registers as its worker starts; an API-only replica never does.
    const listed = await waitFor('both workers to be listed', async () => {
      const now = await workers();
      return now.length === 2 ? now : undefined;
    });
    expect(listed.map((worker) => worker.id)).toEqual(['alpha', 'beta']);
    const [first, second] = listed;
    expect(first).toMatchObject({
      host: hostname(),
      pid: process.pid,
      version: PACKAGE_VERSION,
      slots: 3,
      queues: null,
      queueLimits: {},
      leaseMs: 900,
      gone: false,
      goneAt: null,
    });
    expect(first.taskTypes).toEqual(expect.arrayContaining(['demo', 'gate', 'probe', 'sleep']));
    expect(second).toMatchObject({
      slots: 2,
      queues: ['default', 'reports'],
      queueLimits: { reports: 1 },
      gone: false,
    });
    expect(second.taskTypes).toEqual(['cpu', 'demo', 'fail', 'sleep']);
    expect(Date.parse(second.startedAt)).toBeLessThanOrEqual(Date.parse(second.lastHeartbeatAt));
  });

  it('shows the slots in use: the tasks each replica runs now', async () => {
    const probes = alpha.app.get(ProbeEvents);
    const ids = await Promise.all(
      [1, 2].map(async () => (await alpha.http.post('/tasks').send({ type: 'gate' }).expect(201)).body.id as string),
    );
    for (const id of ids) await alpha.waitForStatus(id, 'running');
    // Only alpha runs `gate`: beta stays idle.
    expect((await workers()).map((worker) => [worker.id, worker.slotsInUse, worker.slots])).toEqual([
      ['alpha', 2, 3],
      ['beta', 0, 2],
    ]);

    for (const id of ids) probes.openGate(id);
    for (const id of ids) await alpha.waitForStatus(id, 'succeeded');
    expect((await workers()).map((worker) => worker.slotsInUse)).toEqual([0, 0]);
  });

  it('marks a replica that stops cleanly (app.close()) gone at once, after the live ones', async () => {
    const before = Date.now();
    await beta.close();
    const listed = await workers();
    expect(listed.map((worker) => [worker.id, worker.gone])).toEqual([
      ['alpha', false],
      ['beta', true],
    ]);
    const gone = listed[1];
    expect(gone.slotsInUse).toBe(0);
    expect(Date.parse(gone.goneAt!)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('shows a replica killed with kill -9 gone one lease after its last heartbeat', async () => {
    killed = await startService(tmpdir(), {
      PORT: String(await freePort()),
      DATABASE_URL: database.url,
      REPLICA_ID: 'doomed',
      LEASE_MS: '1500',
      POLL_INTERVAL_MS: '200',
    });
    const live = await waitForWorker('to be listed alive', 'doomed', (worker) => !worker.gone);
    expect(live).toMatchObject({ pid: killed.child.pid, leaseMs: 1500, goneAt: null });

    killed.child.kill('SIGKILL');
    await killed.exited;
    const gone = await waitForWorker('to be gone', 'doomed', (worker) => worker.gone);
    expect(Date.parse(gone.goneAt!) - Date.parse(gone.lastHeartbeatAt)).toBe(1500);
    expect((await workers()).map((worker) => worker.id)).toEqual(['alpha', 'beta', 'doomed']);
  });

  it('lists replicas gone for up to an hour, and forgets them after', async () => {
    await database.query(`UPDATE workers SET gone_at = now() - interval '59 minutes' WHERE id = 'beta'`);
    await database.query(
      `UPDATE workers SET gone_at = NULL, last_heartbeat_at = now() - interval '61 minutes' WHERE id = 'doomed'`,
    );
    expect((await workers()).map((worker) => worker.id)).toEqual(['alpha', 'beta']);

    await apiOnly.app.get(GoneWorkersRetention).runOnce();
    const kept = await database.query<{ id: string }>('SELECT id FROM workers ORDER BY id');
    expect(kept.map((row) => row.id)).toEqual(['alpha', 'beta']);
  });

  it('answers whether a live replica runs a type and works a queue (what a task waiting with no worker needs)', async () => {
    const runs = async (type: string, queue: string): Promise<boolean> =>
      (await database.query<{ runs: boolean }>(`SELECT ${aLiveWorkerRuns('$1', '$2')} AS runs`, [type, queue]))[0].runs;
    await database.query(
      `INSERT INTO workers (id, host, pid, version, started_at, task_types, slots, queues, lease_ms)
       VALUES ('bound', 'h', 1, '0.0.0', now(), '{only-here}', 1, '{reports}', 60000)`,
    );
    try {
      expect(await runs('only-here', 'reports')).toBe(true);
      expect(await runs('only-here', 'default')).toBe(false);
      expect(await runs('nobody-runs-this', 'reports')).toBe(false);
      // alpha, live, runs `gate` and works every queue.
      expect(await runs('gate', 'anything')).toBe(true);
      await database.query(`UPDATE workers SET last_heartbeat_at = now() - interval '61 seconds' WHERE id = 'bound'`);
      expect(await runs('only-here', 'reports')).toBe(false);
      await database.query(`UPDATE workers SET last_heartbeat_at = now(), gone_at = now() WHERE id = 'bound'`);
      expect(await runs('only-here', 'reports')).toBe(false);
    } finally {
      await database.query(`DELETE FROM workers WHERE id = 'bound'`);
    }
  });
});
