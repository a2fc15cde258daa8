import { Database } from '../src/database/database.js';
import { TaskRepository } from '../src/task-store/task.repository.js';
import type { Claim } from '../src/task-store/task.repository.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

/**
 * The writes that take a task out of a claim buffer (RECORD_STARTS, FINISH_ATTEMPTS with the start,
 * LEAVE_BUFFERED) name the buffering they mean, by its claim's mark (`<replica>#<claim number>` in
 * `buffered_by`). A replica that stalled past its buffer's lease may find the task buffered again by its own
 * next claim, at the same attempt count: a late write meant for the first buffering must change nothing in
 * the second (chaos saw a task run again after it had ended, that way), and the second's own writes work.
 */
describe('a buffered task, buffered again by the same replica', () => {
  let database: TestDatabase;
  let app: TestApp;
  let repository: TaskRepository;

  /** A task submitted through the API, buffered by claim r#1, taken back by lease recovery, buffered by r#2. */
  const bufferedAgain = async (): Promise<string> => {
    const id = (await app.http.post('/tasks').send({ type: 'demo' }).expect(201)).body.id as string;
    const bufferAs = (mark: string) =>
      database.query(
        `UPDATE tasks SET buffered_by = $2, lease_expires_at = now() + interval '1 minute' WHERE id = $1`,
        [id, mark],
      );
    await bufferAs('r#1');
    await database.query(`UPDATE tasks SET buffered_by = NULL, lease_expires_at = NULL WHERE id = $1`, [id]);
    await bufferAs('r#2');
    return id;
  };
  const row = async (id: string) =>
    (
      await database.query<{ status: string; buffered_by: string | null; attempt: number; worker_id: string | null }>(
        'SELECT status, buffered_by, attempt, worker_id FROM tasks WHERE id = $1',
        [id],
      )
    )[0];
  const start = (id: string, buffering: string) => ({ id, buffering, slot: 1, attempt: 1, startedAt: Date.now() });
  const outcomeStartedFrom = (id: string, buffering: string) => ({
    held: { id, workerId: 'r/1', attempt: 1 },
    startedFrom: { buffering, startedAt: Date.now() },
    ok: true as const,
    resultJson: '"done"',
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    repository = app.app.get(TaskRepository);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('records no start, writes no outcome and hands nothing back for the first buffering', async () => {
    const id = await bufferedAgain();

    expect(await repository.recordStarts([start(id, 'r#1')], 'r', 60_000)).toEqual([]);
    expect(await repository.finishMany([outcomeStartedFrom(id, 'r#1')])).toEqual([]);
    expect(await repository.leaveBuffer([{ id, buffering: 'r#1' }])).toEqual([]);

    expect(await row(id)).toEqual({ status: 'queued', buffered_by: 'r#2', attempt: 0, worker_id: null });
  });

  it('takes the task out of the buffering it is in: its start, its start with its outcome, or back to the queue', async () => {
    const [started, finished, handedBack] = [await bufferedAgain(), await bufferedAgain(), await bufferedAgain()];

    expect(await repository.recordStarts([start(started, 'r#2')], 'r', 60_000)).toEqual([
      { id: started, stopRequested: false },
    ]);
    expect(await repository.finishMany([outcomeStartedFrom(finished, 'r#2')])).toEqual([
      expect.objectContaining({ id: finished, status: 'succeeded', attempt: 1, workerId: 'r/1' }),
    ]);
    expect(await repository.leaveBuffer([{ id: handedBack, buffering: 'r#2' }])).toEqual([
      expect.objectContaining({ id: handedBack, status: 'queued' }),
    ]);

    expect(await row(started)).toEqual({ status: 'running', buffered_by: null, attempt: 1, worker_id: 'r/1' });
    expect(await row(finished)).toEqual({ status: 'succeeded', buffered_by: null, attempt: 1, worker_id: 'r/1' });
    expect(await row(handedBack)).toEqual({ status: 'queued', buffered_by: null, attempt: 0, worker_id: null });
  });

  describe('a claim told to leave tasks out (attempts of them still held by the claiming replica)', () => {
    const claim = (freeSlots: number[], leftOut: string[]): Claim => ({
      types: ['demo'],
      freeSlots,
      ahead: 0,
      replicaId: 'r',
      leaseMs: 60_000,
      buffering: 'r#9',
      leftOut,
    });
    const submit = async (body: object): Promise<string> =>
      (
        await app.http
          .post('/tasks')
          .send({ type: 'demo', ...body })
          .expect(201)
      ).body.id as string;

    it('takes the others, keyed or not, and leaves those queued', async () => {
      const inQueue = { queue: 'left-out' };
      const [plain, keyed, other] = [
        await submit(inQueue),
        await submit({ ...inQueue, concurrencyKey: 'k' }),
        await submit(inQueue),
      ];

      const { started } = await repository.claim(claim([1, 2, 3], [plain, keyed]), ['left-out'], []);

      expect(started.map(({ id }) => id)).toEqual([other]);
      expect((await row(plain)).status).toBe('queued');
      expect((await row(keyed)).status).toBe('queued');
    });

    it('does so in a queue claimed on its own (one with a limit)', async () => {
      await app.http.put('/queues/limited').send({ concurrency: 5 }).expect(200);
      const [left, taken] = [await submit({ queue: 'limited' }), await submit({ queue: 'limited' })];

      const claimed = await app.app
        .get(Database)
        .transaction((tx) => repository.claimFromQueue(claim([1, 2], [left]), 'limited', tx));

      expect(claimed.map(({ id }) => id)).toEqual([taken]);
      expect((await row(left)).status).toBe('queued');
    });
  });
});
