import { createRequire } from 'node:module';
import PgBoss from 'pg-boss';
import pg from 'pg';
import type { BenchPayload, QueueClient, QueueSystem } from './system.js';

const require = createRequire(import.meta.url);
const VERSION = (require('pg-boss/package.json') as { version: string }).version;
const QUEUE = 'bench';
// BENCHMARKING.md's tuned pg-boss: four work() loops fetching up to 500 jobs each, polling every 0.5 s
// (the least pg-boss 10 allows; it has no NOTIFY wake-up, so idle latency is spread over that interval).
const WORKERS = 4;
const BATCH_SIZE = 500;
const POLLING_INTERVAL_SECONDS = 0.5;

export function pgBoss(): QueueSystem {
  return {
    id: 'pg-boss',
    label: `pg-boss ${VERSION}`,
    config: `${WORKERS} × work(), batchSize ${BATCH_SIZE}, pollingIntervalSeconds ${POLLING_INTERVAL_SECONDS}, pool max 10 (default)`,
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
            for (let worker = 0; worker < WORKERS; worker++) {
              await boss.work<BenchPayload>(
                QUEUE,
                { batchSize: BATCH_SIZE, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS },
                (jobs) => {
                  for (const job of jobs) entered(job.data);
                  return Promise.resolve();
                },
              );
            }
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
