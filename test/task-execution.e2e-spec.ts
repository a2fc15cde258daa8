import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { ProbeEvents, ProbeHandlersModule } from './support/probe-handlers.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

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

  it('never runs more handlers at once than WORKER_CONCURRENCY', async () => {
    const probes = replica.app.get(ProbeEvents);
    const ids = await Promise.all(Array.from({ length: 9 }, () => submit({ type: 'count', payload: { ms: 100 } })));
    for (const id of ids) await replica.waitForStatus(id, 'succeeded');
    expect(probes.mostActive).toBe(3);
    const slots = await database.query<{ worker_id: string }>(
      `SELECT DISTINCT worker_id FROM tasks WHERE id = ANY($1)`,
      [ids],
    );
    expect(slots.length).toBeLessThanOrEqual(3);
  });

  it('exports what it did as Prometheus metrics', async () => {
    const id = await submit({ type: 'fail', payload: { times: 1 }, maxAttempts: 2 });
    await replica.waitForStatus(id, 'succeeded');
    const response = await replica.http.get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    const value = (line: string): number =>
      Number(new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(response.text)?.[1]);
    expect(value('tasksystem_tasks_submitted_total{type="fail"}')).toBeGreaterThanOrEqual(1);
    expect(value('tasksystem_tasks_finished_total{type="fail",status="queued"}')).toBeGreaterThanOrEqual(1);
    expect(value('tasksystem_tasks_finished_total{type="fail",status="succeeded"}')).toBeGreaterThanOrEqual(1);
    expect(value('tasksystem_tasks_finished_total{type="sleep",status="succeeded"}')).toBeGreaterThanOrEqual(1);
    expect(
      value('tasksystem_task_attempt_duration_seconds_count{type="sleep",status="succeeded"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(value('tasksystem_claim_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value('tasksystem_queue_depth{status="queued"}')).toBeGreaterThanOrEqual(0);
    expect(value('tasksystem_tasks_running')).toBeGreaterThanOrEqual(0);
    expect(response.text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});
