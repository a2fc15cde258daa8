import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/**
 * The periodic jobs (src/maintenance/) run in a whole replica, wired as `npm start` wires them, and show
 * their passes on /metrics. What each pass does is tested with the feature: faults (lease recovery),
 * retention, schedules.
 */
describe('periodic jobs', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  /** Passes of a job on this replica so far, as /metrics says; undefined while it has none. */
  async function runs(app: TestApp, job: string): Promise<number | undefined> {
    const { text } = await app.http.get('/metrics').expect(200);
    const match = new RegExp(`^tasksystem_periodic_job_runs_total\\{job="${job}"\\} (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  }

  it('a worker replica runs lease recovery and the schedule runner, and counts each pass on /metrics', async () => {
    const app = await startTestApp(database.url, { POLL_INTERVAL_MS: '200' });
    try {
      for (const job of ['lease-recovery', 'schedule-runner']) {
        await waitFor(`${job} to have run twice`, async () => ((await runs(app, job)) ?? 0) >= 2);
      }
      const { text } = await app.http.get('/metrics').expect(200);
      expect(text).toMatch(/^tasksystem_periodic_job_duration_seconds_count\{job="lease-recovery"\} \d+$/m);
      expect(text).not.toMatch(/^tasksystem_periodic_job_failures_total\{/m);
    } finally {
      await app.close();
    }
  });

  it('an API-only replica fires schedules but leaves lease recovery to the replicas that run tasks', async () => {
    const app = await startTestApp(database.url, { POLL_INTERVAL_MS: '200', WORKER_ENABLED: 'false' });
    try {
      await waitFor(
        'schedule-runner to have run three times',
        async () => ((await runs(app, 'schedule-runner')) ?? 0) >= 3,
      );
      expect(await runs(app, 'lease-recovery')).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
