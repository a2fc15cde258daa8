import type { Task } from '../src/task-store/task.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/**
 * `npm test` checks a rate limit of 5 starts per 500 ms over 6 s; `npm run check:rate-limit` runs the same
 * test with the figures, 20 per second over 30 s (too long for every run of the suite).
 */
const FULL = process.env.RATE_LIMIT_CHECK === 'full';
const LIMIT = FULL ? 20 : 5;
const INTERVAL_MS = FULL ? 1000 : 500;
const MEASURED_MS = FULL ? 30_000 : 6_000;
const EXPECTED_STARTS = (LIMIT * MEASURED_MS) / INTERVAL_MS;

describe(`a rate limit of ${LIMIT} starts per ${INTERVAL_MS} ms, three replicas`, () => {
  let database: TestDatabase;
  let api: TestApp;
  let workers: TestApp[];

  beforeAll(async () => {
    database = await createTestDatabase();
    // The limit is set before the workers start, so that each knows the queue is rate-limited from its
    // first claim (the list of limited queues is re-read once per poll).
    api = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    await api.http
      .put('/queues/metered')
      .send({ rateLimit: { limit: LIMIT, intervalMs: INTERVAL_MS } })
      .expect(200);
    workers = [];
    // A poll far longer than the interval: the rate holds up only if a replica held back by the limit
    // claims again when the window opens.
    for (let i = 0; i < 3; i++) {
      workers.push(await startTestApp(database.url, { WORKER_CONCURRENCY: '8', POLL_INTERVAL_MS: '10000' }));
    }
  });

  afterAll(async () => {
    for (const app of [...(workers ?? []), api]) await app?.close();
    await database?.drop();
  });

  it(
    'never starts more than the limit in any interval, and keeps at least 90% of it while work is queued',
    async () => {
      const queued = EXPECTED_STARTS + 3 * LIMIT; // more than the measured span can start
      const { tasks } = (
        await api.http
          .post('/tasks/batch')
          .send({
            tasks: Array.from({ length: queued }, () => ({ type: 'sleep', payload: { ms: 1 }, queue: 'metered' })),
          })
          .expect(201)
      ).body as { tasks: Task[] };
      // Every start of the measured span has happened once a start lies past its end.
      await waitFor(
        `a task to start more than ${MEASURED_MS} ms after the first`,
        async () => {
          const [{ past }] = await database.query<{ past: boolean }>(
            `SELECT COALESCE(max(started_at) > min(started_at) + $1 * interval '1 millisecond', false) AS past FROM tasks`,
            [MEASURED_MS],
          );
          return past;
        },
        { timeoutMs: MEASURED_MS * 3 },
      );

      // Sliding windows, from the recorded starts (microseconds): for each start, those in the interval
      // that ends with it.
      const [{ most }] = await database.query<{ most: number }>(
        `SELECT max((SELECT count(*) FROM tasks AS other
                   WHERE other.started_at > t.started_at - $1 * interval '1 millisecond'
                     AND other.started_at <= t.started_at))::int AS most
       FROM tasks AS t WHERE t.started_at IS NOT NULL`,
        [INTERVAL_MS],
      );
      expect(most).toBeLessThanOrEqual(LIMIT);
      const [{ starts }] = await database.query<{ starts: number }>(
        `SELECT count(*)::int AS starts FROM tasks
       WHERE started_at < (SELECT min(started_at) FROM tasks) + $1 * interval '1 millisecond'`,
        [MEASURED_MS],
      );
      expect(starts).toBeGreaterThanOrEqual(0.9 * EXPECTED_STARTS);
      // Held back, not failed: every task not started yet is still queued, on its first attempt.
      const [{ waiting }] = await database.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM tasks WHERE started_at IS NULL AND status = 'queued' AND attempt = 0`,
      );
      const [{ started }] = await database.query<{ started: number }>(
        `SELECT count(*)::int AS started FROM tasks WHERE started_at IS NOT NULL`,
      );
      expect(started + waiting).toBe(tasks.length);
      process.stdout.write(
        `rate limit ${LIMIT}/${INTERVAL_MS} ms: ${starts} starts in the first ${MEASURED_MS} ms (${((100 * starts) / EXPECTED_STARTS).toFixed(1)}% of the limit), busiest window ${most}\n`,
      );
    },
    MEASURED_MS * 4 + 30_000,
  );
});

describe('a rate limit per concurrency key', () => {
  let database: TestDatabase;
  let api: TestApp;
  let replica: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    // The limit before any worker starts (see above). A minute-long window: within this test, each key has
    // its 2 starts and no more.
    api = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    await api.http
      .put('/queues/per-key')
      .send({ rateLimit: { limit: 2, intervalMs: 60_000, perKey: true } })
      .expect(200);
    replica = await startTestApp(database.url, { WORKER_CONCURRENCY: '10' });
  });

  afterAll(async () => {
    await replica?.close();
    await api?.close();
    await database?.drop();
  });

  it('gives each key its own limit, and the tasks without a key one of theirs', async () => {
    const task = (concurrencyKey?: string): object => ({
      type: 'sleep',
      payload: { ms: 1 },
      queue: 'per-key',
      ...(concurrencyKey ? { concurrencyKey } : {}),
    });
    const { tasks } = (
      await replica.http
        .post('/tasks/batch')
        .send({ tasks: [task('x'), task('x'), task('x'), task('y'), task('y'), task('y'), task()] })
        .expect(201)
    ).body as { tasks: Task[] };
    // Submitted last, it can start only in a claim that comes after the others were due, and passes over
    // the third task of x and of y (older) because their keys are at their limit.
    const later = (await replica.http.post('/tasks').send(task()).expect(201)).body as Task;
    await replica.waitForStatus(later.id, 'succeeded');
    const statuses = await Promise.all(tasks.map(async ({ id }) => (await replica.task(id)).status));
    expect(statuses).toEqual(['succeeded', 'succeeded', 'queued', 'succeeded', 'succeeded', 'queued', 'succeeded']);
    const [{ attempts }] = await database.query<{ attempts: number }>(
      `SELECT max(attempt)::int AS attempts FROM tasks WHERE status = 'queued'`,
    );
    expect(attempts).toBe(0);
  });
});
