import { createRequire } from 'node:module';
import PgBoss from 'pg-boss';
import pg from 'pg';
import type { BenchPayload, QueueClient, QueueSystem } from './system.js';

const require = createRequire(import.meta.url);
const VERSION = (require('pg-boss/package.json') as { version: string }).version;
const QUEUE = 'bench';
// pg-boss 10 has no concurrency option (v10 removed teamSize/teamConcurrency): its maintainer's recipe for
// running N jobs at once is one work() fetching a batch of N and handling them together,
// `boss.work(queue, { batchSize: N }, (jobs) => Promise.allSettled(jobs.map(handler)))` (timgit/pg-boss#542).
// Polling every 0.5 s, the least pg-boss 10 allows; it has no NOTIFY wake-up, so idle latency is spread over
// that interval. Until issue 16 the bench ran 4 × work() with batchSize 500 (2,000 jobs at once).
const POLLING_INTERVAL_SECONDS = 0.5;
/** The concurrency of the main table's drain (as TaskSystem's 500 slots) and of every other workload. */
const REFERENCE_CONCURRENCY = 500;
/**
 * A work() loop sleeps out its interval after every batch, even a full one (src/worker.js), so its drain is
 * bound by `batchSize` per interval: at concurrency 5, 20,000 jobs would take over half an hour. Its drain
 * therefore takes 10 intervals' worth of jobs (50 at concurrency 5), at most the run's count: enough to
 * measure that bound (the quick run showed 21 jobs/s at concurrency 10), about 5 s at any concurrency.
 */
const DRAIN_INTERVALS = 10;

export function pgBoss(concurrency = REFERENCE_CONCURRENCY): QueueSystem {
  return {
    id: 'pg-boss',
    label: `pg-boss ${VERSION}`,
    config: `1 × work(), batchSize ${concurrency} handled together (Promise.allSettled), pollingIntervalSeconds ${POLLING_INTERVAL_SECONDS}, pool max 10 (default)`,
    concurrency: { reference: REFERENCE_CONCURRENCY, at: (n) => pgBoss(n) },
    drainJobs: (jobs) => Math.min(jobs, DRAIN_INTERVALS * concurrency),
    store: 'postgres',
    async migrate(url) {
      const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false });
      boss.on('error', () => undefined);
      await boss.start();
      await boss.createQueue(QUEUE); // v10 needs the queue (a partition of its job table) to exist
      await boss.stop({ graceful: false, wait: true });
    },
    async open(url) {
      const boss = new PgBoss({ connectionString: url });
      boss.on('error', (error: Error) => console.error(`pg-boss: ${error.message}`));
      await boss.start();
      const probe = new pg.Client({ connectionString: url });
      await probe.connect();
      const client: QueueClient = {
        async enqueue(payload) {
          await boss.send(QUEUE, payload);
        },
        async enqueueBatch(payloads) {
          await boss.insert(payloads.map((data) => ({ name: QUEUE, data })));
        },
        prepareWorkers(entered) {
          return Promise.resolve(async () => {
            await boss.work<BenchPayload>(
              QUEUE,
              { batchSize: concurrency, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS },
              (jobs) => Promise.allSettled(jobs.map((job) => Promise.resolve(entered(job.data)))),
            );
          });
        },
        async hasUnfinished() {
          // job_state is an enum ordered created, retry, active, completed, cancelled, failed.
          const { rows } = await probe.query<{ live: boolean }>(
            `SELECT EXISTS (SELECT 1 FROM pgboss.job WHERE name = $1 AND state < 'completed') AS live`,
            [QUEUE],
          );
          return rows[0].live;
        },
        async succeeded() {
          const { rows } = await probe.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'`,
            [QUEUE],
          );
          return rows[0].n;
        },
        async close() {
          await boss.stop({ graceful: true, wait: true, timeout: 2000 });
          await probe.end();
        },
      };
      return client;
    },
  };
}
