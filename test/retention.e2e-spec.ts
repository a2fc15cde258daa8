import { TaskRetentionService } from '../src/maintenance/task-retention.service.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { openEventStream } from './support/event-stream.js';
import { startTestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/** Counts by status that say `expected` for each status it names. */
const countsAre = (actual: Record<string, number>, expected: Record<string, number>): boolean =>
  Object.entries(expected).every(([status, count]) => actual[status] === count);

/** Finished tasks are kept for TASK_RETENTION, then deleted; live tasks never are. */
describe('task retention', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  /** Rows as they would be after a while in production, by SQL: ages are what matter here. */
  async function seed(): Promise<Record<string, string>> {
    const rows = await database.query<{ id: string; label: string }>(`
      INSERT INTO tasks (type, status, created_at, started_at, finished_at, lease_expires_at, worker_id, attempt)
      VALUES ('demo', 'succeeded', now() - interval '3 days', now() - interval '3 days', now() - interval '2 days', NULL, 'w/1', 1),
             ('demo', 'failed',    now() - interval '3 days', now() - interval '3 days', now() - interval '2 days', NULL, 'w/1', 3),
             ('demo', 'cancelled', now() - interval '3 days', NULL,                     now() - interval '2 days', NULL, NULL, 0),
             ('demo', 'succeeded', now() - interval '2 hours', now() - interval '2 hours', now() - interval '1 hour', NULL, 'w/1', 1),
             ('demo', 'queued',    now() - interval '9 days', NULL,                     NULL,                     NULL, NULL, 0),
             ('demo', 'running',   now() - interval '9 days', now() - interval '9 days', NULL, now() + interval '1 hour', 'w/2', 1)
      RETURNING id, status || CASE WHEN finished_at < now() - interval '1 day' THEN '-old' ELSE '' END AS label`);
    return Object.fromEntries(rows.map((row) => [row.label, row.id]));
  }

  it('deletes finished tasks older than TASK_RETENTION and keeps everything else', async () => {
    const app = await startTestApp(database.url, { WORKER_ENABLED: 'false', TASK_RETENTION: '1d' });
    try {
      const ids = await seed();
      expect(await app.app.get(TaskRetentionService).prune()).toBe(3);
      for (const label of ['succeeded-old', 'failed-old', 'cancelled-old'])
        await app.http.get(`/tasks/${ids[label]}`).expect(404);
      for (const label of ['succeeded', 'queued', 'running']) await app.http.get(`/tasks/${ids[label]}`).expect(200);
    } finally {
      await app.close();
      await database.query('DELETE FROM tasks');
    }
  });

  it('keeps failed tasks for FAILED_TASK_RETENTION instead, as a dead-letter list', async () => {
    const app = await startTestApp(database.url, {
      WORKER_ENABLED: 'false',
      TASK_RETENTION: '1d',
      FAILED_TASK_RETENTION: '0d',
    });
    try {
      const ids = await seed();
      expect(await app.app.get(TaskRetentionService).prune()).toBe(2);
      await app.http.get(`/tasks/${ids['failed-old']}`).expect(200);
      const failed = (await app.http.get('/tasks?status=failed').expect(200)).body.tasks as { id: string }[];
      expect(failed.map((task) => task.id)).toEqual([ids['failed-old']]);
    } finally {
      await app.close();
      await database.query('DELETE FROM tasks');
    }
  });

  it('shows the deleted tasks in GET /tasks/counts and on the event stream within COUNTS_MAX_AGE, with nothing else happening', async () => {
    // Retention deletes without a notification, so nothing tells the cached counts: only their age does.
    const app = await startTestApp(database.url, {
      WORKER_ENABLED: 'false',
      TASK_RETENTION: '1d',
      COUNTS_MAX_AGE: '200ms',
    });
    const stream = await openEventStream(app.app);
    try {
      const counts = async (): Promise<Record<string, number>> =>
        (await app.http.get('/tasks/counts').expect(200)).body as Record<string, number>;
      await stream.waitForEvent('the counts a stream opens with', (event) => event.event === 'counts');
      expect(await counts()).toEqual({ queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 });
      // Rows written by SQL announce nothing either: the first catch-up is already the max age's doing.
      await seed();
      const seeded = { queued: 1, running: 1, succeeded: 2, failed: 1, cancelled: 1 };
      await waitFor('the seeded tasks to be counted', async () => countsAre(await counts(), seeded));
      expect(await app.app.get(TaskRetentionService).prune()).toBe(3);
      const pruned = { queued: 1, running: 1, succeeded: 1, failed: 0, cancelled: 0 };
      await waitFor('GET /tasks/counts without the deleted tasks', async () => countsAre(await counts(), pruned));
      await stream.waitForEvent('counts without the deleted tasks', (event) => {
        return event.event === 'counts' && countsAre(event.data as Record<string, number>, pruned);
      });
    } finally {
      stream.close();
      await app.close();
      await database.query('DELETE FROM tasks');
    }
  });

  it('keeps the whole history with TASK_RETENTION=0d', async () => {
    const app = await startTestApp(database.url, { WORKER_ENABLED: 'false', TASK_RETENTION: '0d' });
    try {
      await seed();
      expect(await app.app.get(TaskRetentionService).prune()).toBe(0);
      expect(await database.query('SELECT id FROM tasks')).toHaveLength(6);
    } finally {
      await app.close();
    }
  });
});
