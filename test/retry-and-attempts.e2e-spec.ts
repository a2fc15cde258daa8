import type { Task, TaskAttempt } from '../src/task-store/task.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

/** POST /tasks/:id/retry and GET /tasks/:id/attempts on one replica that runs the tasks. */
describe('retrying tasks and their attempts', () => {
  let database: TestDatabase;
  let app: TestApp;

  const attemptsOf = async (id: string): Promise<TaskAttempt[]> =>
    (await app.http.get(`/tasks/${id}/attempts`).expect(200)).body.attempts as TaskAttempt[];

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startTestApp(database.url, { WORKER_CONCURRENCY: '4' });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('keeps every failed attempt, and a retried task runs again with a fresh count of attempts', async () => {
    const id = (
      await app.http
        .post('/tasks')
        .send({ type: 'fail', payload: { times: 2, message: 'boom' }, maxAttempts: 2 })
        .expect(201)
    ).body.id as string;
    await app.waitForStatus(id, 'failed');
    const first = await attemptsOf(id);
    expect(first.map(({ attempt, status, error }) => ({ attempt, status, error }))).toEqual([
      { attempt: 1, status: 'failed', error: { message: 'boom', name: 'Error' } },
      { attempt: 2, status: 'failed', error: { message: 'boom', name: 'Error' } },
    ]);
    for (const attempt of first) {
      expect(attempt.workerId).toMatch(new RegExp(`^${app.config.replicaId}/\\d+$`));
      expect(Date.parse(String(attempt.finishedAt))).toBeGreaterThanOrEqual(Date.parse(String(attempt.startedAt)));
    }

    const retried = await app.http.post(`/tasks/${id}/retry`).expect(200);
    expect(retried.body).toMatchObject({ id, status: 'queued', attempt: 0, error: null, finishedAt: null });
    const again = await app.waitForStatus(id, 'failed');
    expect(again.attempt).toBe(2);
    expect((await attemptsOf(id)).map(({ attempt, status }) => `${attempt}:${status}`)).toEqual([
      '1:failed',
      '2:failed',
      '1:failed',
      '2:failed',
    ]);
  });

  it('runs a cancelled task again; its stopped attempt stays in the history', async () => {
    const id = (
      await app.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 60_000 } })
        .expect(201)
    ).body.id as string;
    await app.waitForStatus(id, 'running');
    const running = await attemptsOf(id);
    expect(running).toEqual([
      expect.objectContaining({ attempt: 1, status: 'running', finishedAt: null, error: null }),
    ]);
    await app.http.delete(`/tasks/${id}`).expect(200);

    await app.http.post(`/tasks/${id}/retry`).expect(200);
    await app.waitForStatus(id, 'running');
    await app.http.delete(`/tasks/${id}`).expect(200);
    const attempts = await attemptsOf(id);
    expect(attempts.map(({ attempt, status }) => `${attempt}:${status}`)).toEqual(['1:cancelled', '1:cancelled']);
    expect(attempts[0].error).toEqual({ message: 'stopped on request' });
  });

  it('shows a task that succeeded at once as its one attempt', async () => {
    const id = (
      await app.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 1 } })
        .expect(201)
    ).body.id;
    const done = await app.waitForStatus(id, 'succeeded');
    expect(await attemptsOf(id)).toEqual([
      {
        attempt: 1,
        workerId: done.workerId,
        status: 'succeeded',
        error: null,
        startedAt: done.startedAt,
        finishedAt: done.finishedAt,
      },
    ]);
  });

  it('refuses to retry a task that is not failed or cancelled (409 with it), an unknown one (404), a bad id (400)', async () => {
    const later = (
      await app.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 1 }, runAt: '2999-01-01T00:00:00Z' })
        .expect(201)
    ).body as Task;
    const refused = await app.http.post(`/tasks/${later.id}/retry`).expect(409);
    expect(refused.body.message).toBe(`task ${later.id} is queued: only a failed or cancelled task can be retried`);
    expect(refused.body.task.id).toBe(later.id);
    expect(await attemptsOf(later.id)).toEqual([]);
    await app.http.post('/tasks/999999999/retry').expect(404);
    await app.http.get('/tasks/999999999/attempts').expect(404);
    await app.http.post('/tasks/abc/retry').expect(400);
  });

  it('refuses to retry while a live task holds its idempotency key', async () => {
    const first = (
      await app.http.post('/tasks').send({ type: 'fail', payload: {}, maxAttempts: 1, key: 'retry-key' }).expect(201)
    ).body as Task;
    await app.waitForStatus(first.id, 'failed');
    // The key is free once its task ended, so another task takes it, and keeps it while queued.
    await app.http
      .post('/tasks')
      .send({ type: 'fail', payload: {}, maxAttempts: 1, key: 'retry-key', runAt: '2999-01-01T00:00:00Z' })
      .expect(201);
    const refused = await app.http.post(`/tasks/${first.id}/retry`).expect(409);
    expect(refused.body.message).toBe(
      `task ${first.id} cannot be retried: a live task holds its idempotency key "retry-key"`,
    );
  });
});
