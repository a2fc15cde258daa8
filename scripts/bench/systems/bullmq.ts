import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Queue, Worker, createPostgresBackend, withBackend } from 'bullmq';
import pg from 'pg';
import type { BenchPayload, QueueClient, QueueSystem } from './system.js';

const require = createRequire(import.meta.url);
const VERSION = (require('bullmq/package.json') as { version: string }).version;
const CONCURRENCY = 50; // BENCHMARKING.md's setting for both backends
const JOB = 'noop';

/** BullMQ on its PostgreSQL backend (new in 6.x): schema `bullmq`, one `job` table, SKIP LOCKED claims. */
export function bullmqPostgres(): QueueSystem {
  const Pg = withBackend(createPostgresBackend);
  const QUEUE = 'bench';
  return {
    id: 'bullmq-pg',
    label: `BullMQ ${VERSION} (PostgreSQL)`,
    config: `Worker concurrency ${CONCURRENCY}, completed jobs kept (default), pg pool default`,
    store: 'postgres',
    async migrate(url) {
      // Migrations are explicit in 6.x (`migrate: true`); the workloads' clones then only check the version.
      const queue = new Pg.Queue(QUEUE, { connection: { connectionString: url, migrate: true } });
      await queue.waitUntilReady();
      await queue.close();
    },
    async open(url) {
      const queue = new Pg.Queue<BenchPayload>(QUEUE, { connection: url });
      await queue.waitUntilReady();
      const probe = new pg.Client({ connectionString: url });
      await probe.connect();
      let worker: { close(): Promise<void> } | undefined;
      const client: QueueClient = {
        async enqueue(payload) {
          await queue.add(JOB, payload);
        },
        async enqueueBatch(payloads) {
          await queue.addBulk(payloads.map((data) => ({ name: JOB, data })));
        },
        prepareWorkers(entered) {
          const created = new Pg.Worker<BenchPayload>(QUEUE, (job) => Promise.resolve(entered(job.data)), {
            connection: url,
            concurrency: CONCURRENCY,
            autorun: false,
          });
          created.on('error', (error) => console.error(`bullmq worker: ${error.message}`));
          worker = created;
          return Promise.resolve(() => {
            void created.run(); // settles only when the worker closes
            return Promise.resolve();
          });
        },
        async hasUnfinished() {
          const { rows } = await probe.query<{ live: boolean }>(
            `SELECT EXISTS (SELECT 1 FROM bullmq.job WHERE queue = $1 AND state IN ('waiting', 'active', 'delayed')) AS live`,
            [QUEUE],
          );
          return rows[0].live;
        },
        async succeeded() {
          const { rows } = await probe.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM bullmq.job WHERE queue = $1 AND state = 'completed'`,
            [QUEUE],
          );
          return rows[0].n;
        },
        async close() {
          await worker?.close();
          await queue.close();
          await probe.end();
        },
      };
      return client;
    },
  };
}

/**
 * BullMQ on Redis (REDIS_URL): not PostgreSQL, so no fresh database: each workload gets a queue of its own,
 * obliterated afterwards. The server's persistence settings are its own; they are printed with the config.
 */
export function bullmqRedis(redisUrl: string): QueueSystem {
  const parsed = new URL(redisUrl);
  const connection = {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    password: parsed.password || undefined,
    db: Number(parsed.pathname.slice(1) || 0),
    maxRetriesPerRequest: null, // required by BullMQ workers
  };
  return {
    id: 'bullmq-redis',
    label: `BullMQ ${VERSION} (Redis)`,
    config: `Worker concurrency ${CONCURRENCY}, completed jobs kept (default), ${parsed.host}`,
    store: 'redis',
    async open(_url, label) {
      const name = `bench-${label}-${randomBytes(3).toString('hex')}`;
      const queue = new Queue<BenchPayload>(name, { connection });
      await queue.waitUntilReady();
      let worker: { close(): Promise<void> } | undefined;
      const client: QueueClient = {
        async enqueue(payload) {
          await queue.add(JOB, payload);
        },
        async enqueueBatch(payloads) {
          await queue.addBulk(payloads.map((data) => ({ name: JOB, data })));
        },
        prepareWorkers(entered) {
          const created = new Worker<BenchPayload>(name, (job) => Promise.resolve(entered(job.data)), {
            connection,
            concurrency: CONCURRENCY,
            autorun: false,
          });
          created.on('error', (error) => console.error(`bullmq worker: ${error.message}`));
          worker = created;
          return Promise.resolve(() => {
            void created.run(); // settles only when the worker closes
            return Promise.resolve();
          });
        },
        async hasUnfinished() {
          const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
          return Object.values(counts).some((count) => count > 0);
        },
        async succeeded() {
          return (await queue.getJobCounts('completed')).completed;
        },
        async close() {
          await worker?.close();
          await queue.obliterate({ force: true });
          await queue.close();
        },
      };
      return client;
    },
  };
}
