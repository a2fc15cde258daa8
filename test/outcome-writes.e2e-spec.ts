import type { TaskAttempt } from '../src/task-store/task.js';
import { TaskRepository } from '../src/task-store/task.repository.js';
import type { AttemptOutcome } from '../src/task-store/task.repository.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

const HOLDER = 'elsewhere/1';

/**
 * The outcome writer's statement (FINISH_ATTEMPTS) with outcomes of every kind in one batch, as a busy
 * replica writes them: each task must end as its own outcome says, whichever others share the statement,
 * and a batch of successes alone (whose error, retry and start columns go as one NULL each) likewise.
 */
describe('outcomes written together', () => {
  let database: TestDatabase;
  let app: TestApp;
  let repository: TaskRepository;

  /** A task submitted through the API, then held by HOLDER as its running attempt 1 (as a claim leaves it). */
  const runningTask = async (): Promise<string> => {
    const id = (await app.http.post('/tasks').send({ type: 'demo', maxAttempts: 3 }).expect(201)).body.id as string;
    await database.query(
      `UPDATE tasks SET status = 'running', attempt = 1, worker_id = $2, started_at = now(),
                        lease_expires_at = now() + interval '1 minute'
       WHERE id = $1`,
      [id, HOLDER],
    );
    return id;
  };
  const held = (id: string) => ({ id, workerId: HOLDER, attempt: 1 });
  const success = (id: string, result: unknown): AttemptOutcome => ({
    held: held(id),
    ok: true,
    resultJson: JSON.stringify(result),
  });
  const failure = (id: string, message: string, doNotRetry: boolean): AttemptOutcome => ({
    held: held(id),
    ok: false,
    errorJson: JSON.stringify({ message }),
    retryDelayMs: 60_000,
    doNotRetry,
  });
  const attemptsOf = async (id: string): Promise<TaskAttempt[]> =>
    (await app.http.get(`/tasks/${id}/attempts`).expect(200)).body.attempts as TaskAttempt[];

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    repository = app.app.get(TaskRepository);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('ends each task of a mixed batch as its own outcome says', async () => {
    const [succeeds, retries, givesUp, stopped] = [
      await runningTask(),
      await runningTask(),
      await runningTask(),
      await runningTask(),
    ];
    await database.query(`UPDATE tasks SET cancel_requested_at = now() WHERE id = $1`, [stopped]);

    const written = await repository.finishMany([
      success(succeeds, { rows: 3 }),
      failure(retries, 'try again', false),
      failure(givesUp, 'hopeless', true),
      success(stopped, { rows: 1 }),
    ]);

    const byId = new Map(written.map((task) => [task.id, task]));
    expect(byId.get(succeeds)).toMatchObject({ status: 'succeeded', attempt: 1, result: { rows: 3 }, error: null });
    expect(byId.get(retries)).toMatchObject({ status: 'queued', attempt: 1, error: { message: 'try again' } });
    expect(byId.get(givesUp)).toMatchObject({ status: 'failed', attempt: 1, error: { message: 'hopeless' } });
    expect(byId.get(stopped)).toMatchObject({
      status: 'cancelled',
      result: null,
      error: { message: 'stopped on request' },
    });
    // The retry waits its delay; the API shows the same as the statement returned.
    const retried = await app.task(retries);
    expect(Date.parse(String(retried.runAt)) - Date.now()).toBeGreaterThan(50_000);
    expect((await app.task(givesUp)).status).toBe('failed');
    // Failed attempts are kept, each with its start; a success keeps no attempt row of its own.
    expect((await attemptsOf(retries)).map(({ attempt, status }) => `${attempt}:${status}`)).toEqual(['1:failed']);
    expect((await attemptsOf(givesUp))[0]).toMatchObject({
      attempt: 1,
      status: 'failed',
      error: { message: 'hopeless' },
    });
    expect((await attemptsOf(givesUp))[0].startedAt).not.toBeNull();
  });

  it('ends a batch of successes alone, and writes nothing for an attempt it no longer holds', async () => {
    const [first, second, lost] = [await runningTask(), await runningTask(), await runningTask()];
    await database.query(`UPDATE tasks SET worker_id = 'other/2' WHERE id = $1`, [lost]);

    const written = await repository.finishMany([success(first, 1), success(second, 'two'), success(lost, 3)]);

    const byId = new Map(written.map(({ id, status, result }) => [id, { status, result }]));
    expect(byId).toEqual(
      new Map([
        [first, { status: 'succeeded', result: 1 }],
        [second, { status: 'succeeded', result: 'two' }],
      ]),
    );
    expect((await app.task(lost)).status).toBe('running');
  });
});
