import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { ProbeEvents, ProbeHandlersModule } from './support/probe-handlers.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/** Tasks run in worker slots and end with the outcome the contract describes. */
describe('running tasks', () => {
  let database: TestDatabase;
  let replica: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    replica = await startTestApp(database.url, { WORKER_CONCURRENCY: '3' }, [ProbeHandlersModule]);
  });

  afterAll(async () => {
    await replica?.close();
    await database?.drop();
  });

  const submit = async (body: object): Promise<string> =>
    ((await replica.http.post('/tasks').send(body).expect(201)).body as { id: string }).id;

  it('runs a sleep task to succeeded with its result, timestamps and worker', async () => {
    const id = await submit({ type: 'sleep', payload: { ms: 50 } });
    const task = await replica.waitForStatus(id, 'succeeded', 'failed', 'cancelled');
    expect(task).toMatchObject({ status: 'succeeded', result: { slept: 50 }, error: null, attempt: 1 });
    expect(task.workerId).toMatch(new RegExp(`^${replica.config.replicaId}/[1-3]$`));
    const { createdAt, startedAt, finishedAt } = task as unknown as Record<string, string>;
    expect(Date.parse(startedAt)).toBeGreaterThanOrEqual(Date.parse(createdAt));
    expect(Date.parse(finishedAt) - Date.parse(startedAt)).toBeGreaterThanOrEqual(50);
  });

  it('runs the original demo task: its result is its payload', async () => {
    const id = await submit({ name: 'Jean', number: '42' });
    const task = await replica.waitForStatus(id, 'succeeded', 'failed', 'cancelled');
    expect(task).toMatchObject({ type: 'demo', status: 'succeeded', result: { name: 'Jean', number: '42' } });
  });

  it('retries a failing handler and succeeds once it stops throwing', async () => {
    const id = await submit({ type: 'fail', payload: { times: 2, message: 'flaky' }, maxAttempts: 3 });
    const task = await replica.waitForStatus(id, 'succeeded', 'failed', 'cancelled');
    expect(task).toMatchObject({ status: 'succeeded', attempt: 3, result: { attempts: 3 }, error: null });
  });

  it('fails a task for good after maxAttempts, with the last error', async () => {
    const id = await submit({ type: 'fail', payload: { message: 'always broken' }, maxAttempts: 2 });
    const task = await replica.waitForStatus(id, 'succeeded', 'failed', 'cancelled');
    expect(task).toMatchObject({ status: 'failed', attempt: 2, result: null, error: { message: 'always broken' } });
    expect(task.finishedAt).not.toBeNull();
  });

  it('aborts an attempt that outlives timeoutMs and counts it as failed', async () => {
    const id = await submit({ type: 'sleep', payload: { ms: 60_000 }, timeoutMs: 100, maxAttempts: 1 });
    const task = await replica.waitForStatus(id, 'succeeded', 'failed', 'cancelled');
    expect(task).toMatchObject({ status: 'failed', attempt: 1, error: { message: 'timed out after 100 ms' } });
  });

  it('does not start a task before its runAt', async () => {
    const runAt = new Date(Date.now() + 1500);
    const id = await submit({ type: 'sleep', payload: { ms: 1 }, runAt: runAt.toISOString() });
    const task = await replica.waitForStatus(id, 'succeeded');
    expect(Date.parse(task.startedAt as unknown as string)).toBeGreaterThanOrEqual(runAt.getTime());
  });

  it('never runs more handlers at once than WORKER_CONCURRENCY, and claims no more tasks than it can run', async () => {
    const probes = replica.app.get(ProbeEvents);
    const ids = await Promise.all(Array.from({ length: 9 }, () => submit({ type: 'gate' })));
    // Held at their gates, three fill the slots; the other six can only wait in the queue.
    await waitFor('three handlers to run at once', () => probes.active === 3);
    const statuses = await database.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM tasks WHERE id = ANY($1) GROUP BY status ORDER BY status`,
      [ids],
    );
    expect(statuses).toEqual([
      { status: 'queued', n: 6 },
      { status: 'running', n: 3 },
    ]);
    // Let each one go as soon as it runs: every freed slot is taken by the next task, never more.
    await waitFor('all nine to succeed', async () => {
      probes.openAllGates();
      const tasks = await Promise.all(ids.map((id) => replica.task(id)));
      return tasks.every((task) => task.status === 'succeeded');
    });
    expect(probes.mostActive).toBe(3);
    const slots = await database.query<{ worker_id: string }>(
      `SELECT DISTINCT worker_id FROM tasks WHERE id = ANY($1)`,
      [ids],
    );
    expect(slots.length).toBeLessThanOrEqual(3);
  });

  it.each([
    ['bigint', /^could not store the result: Do not know how to serialize a BigInt$/],
    [
      'cycle',
      /^could not store the result: Converting circular structure to JSON .* property 'self' closes the circle$/,
    ],
    ['throwing toJSON', /^could not store the result: this value refuses to be serialised$/],
    [
      'nul',
      /^could not store the result: unsupported Unicode escape sequence \(\\u0000 cannot be converted to text\.\)$/,
    ],
  ])('fails a task whose result cannot be stored (%s) for good, saying why, and carries on', async (kind, message) => {
    const id = await submit({ type: 'unstorable', payload: { kind }, maxAttempts: 3 });
    const task = await replica.waitForStatus(id, 'succeeded', 'failed', 'cancelled');
    // Not retried: the handler did its work, and would only return the same value again.
    expect(task).toMatchObject({ status: 'failed', attempt: 1, result: null });
    expect(task.error?.message).toMatch(message);
    const next = await submit({ type: 'sleep', payload: { ms: 1 } });
    expect(await replica.waitForStatus(next, 'succeeded', 'failed', 'cancelled')).toMatchObject({
      status: 'succeeded',
    });
  });

  it('exports what it did as Prometheus metrics', async () => {
    // What the first scrape sees (the queue depth is read at a replica's first scrape, then kept for 5 s):
    // one task held running, one queued for later.
    const held = await submit({ type: 'probe' });
    await replica.waitForStatus(held, 'running');
    const later = await submit({ type: 'sleep', payload: { ms: 1 }, runAt: '2999-01-01T00:00:00Z' });
    const before = await scrapeMetrics();
    expect(before.contentType).toMatch(/^text\/plain; version=0.0.4/);
    expect(before.value('tasksystem_tasks_running')).toBe(1);
    expect(before.value('tasksystem_queue_depth{status="running"}')).toBe(1);
    expect(before.value('tasksystem_queue_depth{status="queued"}')).toBe(1);
    expect(before.text).toMatch(/^process_cpu_user_seconds_total /m);

    // A task that fails once, then succeeds: what it adds to the counters is known exactly.
    const id = await submit({ type: 'fail', payload: { times: 1 }, maxAttempts: 2 });
    await replica.waitForStatus(id, 'succeeded');
    const succeeded = 'tasksystem_tasks_finished_total{type="fail",status="succeeded"}';
    const after = await waitFor('the success to be counted', async () => {
      const metrics = await scrapeMetrics();
      return metrics.value(succeeded) > before.value(succeeded) ? metrics : undefined;
    });
    const added = (line: string): number => after.value(line) - before.value(line);
    expect(added('tasksystem_tasks_submitted_total{type="fail"}')).toBe(1);
    expect(added('tasksystem_tasks_finished_total{type="fail",status="queued"}')).toBe(1);
    expect(added(succeeded)).toBe(1);
    expect(added('tasksystem_task_attempt_duration_seconds_count{type="fail",status="queued"}')).toBe(1);
    expect(added('tasksystem_task_attempt_duration_seconds_count{type="fail",status="succeeded"}')).toBe(1);
    // A claim for each attempt, and any number of empty ones from the poll timer.
    expect(added('tasksystem_claim_duration_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(after.value('tasksystem_tasks_running')).toBe(1);

    await replica.http.delete(`/tasks/${held}`).expect(200);
    await replica.http.delete(`/tasks/${later}`).expect(200);
  });

  /** GET /metrics, with the value of each sample line; a labelled counter never incremented is 0, as in Prometheus. */
  async function scrapeMetrics() {
    const response = await replica.http.get('/metrics').expect(200);
    const samples = new Map<string, number>();
    for (const [, name, value] of response.text.matchAll(/^([^#\s][^ ]*) (\S+)$/gm)) samples.set(name, Number(value));
    return {
      contentType: response.headers['content-type'],
      text: response.text,
      value: (line: string): number => samples.get(line) ?? 0,
    };
  }
});
