import { QueueSettingsRepository } from '../src/queues/queue-settings.repository.js';
import type { Task } from '../src/task-store/task.js';
import { ProbeEvents, ProbeHandlersModule } from './support/probe-handlers.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/**
 * Claiming ahead (WORKER_PREFETCH, docs/design.md "Claiming ahead"): one replica with one slot, whose `gate`
 * tasks hold the slot until the test opens them. A burst of quick tasks first gives the replica the pace
 * that makes it claim ahead; the gate tasks after them then wait in its buffer, which the database shows.
 */
describe('the claim buffer', () => {
  let database: TestDatabase;
  let worker: TestApp;
  let probes: ProbeEvents;
  /** Task ids in the order their handlers started on `worker`. */
  let startOrder: string[];

  const WORKER_ENV = {
    WORKER_CONCURRENCY: '1',
    WORKER_PREFETCH: '10',
    // A heartbeat every 20 s: nothing is handed back for waiting a beat while a test looks at the buffer.
    LEASE_MS: '60000',
    SHUTDOWN_GRACE_MS: '100',
  };

  beforeEach(async () => {
    database = await createTestDatabase();
    worker = await startTestApp(database.url, WORKER_ENV, [ProbeHandlersModule]);
    probes = worker.app.get(ProbeEvents);
    startOrder = [];
    probes.on('started', (id) => startOrder.push(id));
  });

  afterEach(async () => {
    probes.openAllGates();
    await worker?.close();
    await database?.drop();
  });

  const submitBatch = async (tasks: object[]): Promise<string[]> =>
    (
      (await worker.http.post('/tasks/batch').send({ tasks }).expect(201)).body as { tasks: { id: string }[] }
    ).tasks.map((task) => task.id);

  const bufferedIds = async (): Promise<string[]> =>
    (
      await database.query<{ id: string }>(
        `SELECT id::text FROM tasks WHERE status = 'queued' AND buffered_by IS NOT NULL ORDER BY id`,
      )
    ).map((row) => row.id);

  /**
   * Quick tasks, then `gates` gate tasks (of `queue`); resolves once the first gate holds the slot, its start
   * written (a start from the buffer is written after its handler started: until then the database still
   * shows it buffered), and at least `atLeast` gates wait in the buffer. Returns the gates' ids, in order.
   */
  const fillBuffer = async (gates: number, { atLeast = 3, queue = 'default' } = {}): Promise<string[]> => {
    const quick = Array.from({ length: 20 }, () => ({ type: 'sleep', payload: { ms: 0 }, queue }));
    const ids = await submitBatch([...quick, ...Array.from({ length: gates }, () => ({ type: 'gate', queue }))]);
    const gateIds = ids.slice(quick.length);
    await waitFor(`the first gate to start and ${atLeast} to be buffered`, async () =>
      startOrder.includes(gateIds[0]) &&
      (await worker.task(gateIds[0])).status === 'running' &&
      (await bufferedIds()).length >= atLeast
        ? true
        : undefined,
    );
    return gateIds;
  };

  it('shows a buffered task queued, waiting "buffered", not started; its startedAt is when its handler started', async () => {
    const gates = await fillBuffer(8);
    const [buffered] = await bufferedIds();
    const waiting = await worker.task(buffered);
    expect(waiting).toMatchObject({ status: 'queued', attempt: 0, workerId: null, startedAt: null });
    expect(waiting.waiting?.reason).toBe('buffered');
    expect(startOrder).not.toContain(buffered);

    // Let the gates go one by one until the buffered task starts: its startedAt is after its predecessor ended.
    let previousEnded: Date | undefined;
    for (const gate of gates) {
      if (gate === buffered) break;
      await waitFor(`gate ${gate} to start`, () => startOrder.includes(gate));
      previousEnded = new Date((await database.query<{ now: Date }>('SELECT now()'))[0].now);
      probes.openGate(gate);
    }
    await waitFor(`buffered task ${buffered} to start`, () => startOrder.includes(buffered));
    const started = await worker.waitForStatus(buffered, 'running');
    expect(new Date(started.startedAt!).getTime()).toBeGreaterThanOrEqual(previousEnded!.getTime());
    expect(started).toMatchObject({ attempt: 1, workerId: expect.stringMatching(/\/1$/) as string });
  });

  it('writes the start of short buffered tasks (with their outcome or alone): attempt 1, workerId, startedAt', async () => {
    const ids = await submitBatch(Array.from({ length: 200 }, () => ({ type: 'sleep', payload: { ms: 0 } })));
    for (const id of ids) {
      const task = await worker.waitForStatus(id, 'succeeded');
      expect(task).toMatchObject({ attempt: 1, workerId: expect.stringMatching(/\/1$/) as string });
      expect(new Date(task.startedAt!).getTime()).toBeLessThanOrEqual(new Date(task.finishedAt!).getTime());
      expect(new Date(task.startedAt!).getTime()).toBeGreaterThanOrEqual(new Date(task.createdAt).getTime());
    }
    const [{ left }] = await database.query<{ left: number }>(
      'SELECT count(*)::int AS left FROM tasks WHERE buffered_by IS NOT NULL',
    );
    expect(left).toBe(0);
  });

  it('cancels a buffered task on DELETE, whose holder answers at once, and its handler never runs', async () => {
    const gates = await fillBuffer(6);
    const [victim] = await bufferedIds();
    const { body } = await worker.http.delete(`/tasks/${victim}`).expect(200);
    expect(body).toMatchObject({ id: victim, status: 'cancelled', attempt: 0 });
    for (const gate of gates) if (gate !== victim) probes.openGate(gate);
    for (const gate of gates) if (gate !== victim) await worker.waitForStatus(gate, 'succeeded');
    expect(startOrder).not.toContain(victim);
    expect(await worker.task(victim)).toMatchObject({ status: 'cancelled', attempt: 0, startedAt: null });
  });

  it('hands buffered tasks back at shutdown; another replica runs them', async () => {
    const gates = await fillBuffer(6);
    const buffered = await bufferedIds();
    await worker.close();
    const rows = await database.query<{ id: string; buffered_by: string | null; status: string }>(
      'SELECT id::text, buffered_by, status FROM tasks WHERE id = ANY($1::bigint[])',
      [buffered],
    );
    expect(rows).toHaveLength(buffered.length);
    for (const row of rows) expect(row).toMatchObject({ status: 'queued', buffered_by: null });

    worker = await startTestApp(database.url, WORKER_ENV, [ProbeHandlersModule]);
    probes = worker.app.get(ProbeEvents);
    probes.on('started', (id) => startOrder.push(id));
    for (const gate of gates) probes.openGate(gate);
    for (const id of buffered) expect(await worker.waitForStatus(id, 'succeeded')).toMatchObject({ attempt: 1 });
  });

  it('does not start a buffered task whose queue was paused meanwhile (once it re-read the settings): it goes back to the queue', async () => {
    const gates = await fillBuffer(6, { queue: 'pausable' });
    const buffered = await bufferedIds();
    await worker.http.post('/queues/pausable/pause').expect(200);
    // A replica re-reads the queues' settings within a poll interval (200 ms here): wait for its next read.
    const settings = worker.app.get(QueueSettingsRepository);
    const list = settings.list.bind(settings);
    let readsSincePause = 0;
    settings.list = async () => {
      const read = await list();
      readsSincePause++;
      return read;
    };
    await waitFor('the worker to re-read the queue settings', () => readsSincePause > 0);
    probes.openGate(gates[0]);
    await waitFor('the buffered tasks to be handed back', async () =>
      (await bufferedIds()).length === 0 ? true : undefined,
    );
    for (const id of buffered) {
      expect(startOrder).not.toContain(id);
      const task: Task = await worker.task(id);
      expect(task).toMatchObject({ status: 'queued', attempt: 0 });
      expect(task.waiting?.reason).toBe('queue-paused');
    }
    await worker.http.post('/queues/pausable/resume').expect(200);
    for (const gate of gates.slice(1)) probes.openGate(gate);
    for (const id of buffered) await worker.waitForStatus(id, 'succeeded');
  });

  it('starts a task of higher priority after at most the tasks already buffered when it was queued', async () => {
    // More gates than the buffer holds (WORKER_PREFETCH 10): the last ones are still in the queue.
    const gates = await fillBuffer(25);
    const bufferedBefore = (await bufferedIds()).length;
    expect(bufferedBefore).toBeLessThanOrEqual(10);
    const [urgent] = await submitBatch([{ type: 'gate', priority: 10 }]);
    probes.openGate(urgent);
    for (const gate of gates) probes.openGate(gate);
    await worker.waitForStatus(urgent, 'succeeded');
    for (const gate of gates) await worker.waitForStatus(gate, 'succeeded');
    // gates[0] held the slot; then the buffered ones may go first (they were claimed), then the urgent one,
    // before every gate that was still queued when it came.
    expect(startOrder.indexOf(urgent)).toBeLessThanOrEqual(startOrder.indexOf(gates[0]) + bufferedBefore + 1);
    expect(startOrder.indexOf(urgent)).toBeLessThan(startOrder.indexOf(gates[gates.length - 1]));
  });
});
