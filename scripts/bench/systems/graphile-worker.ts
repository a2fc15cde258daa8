import { createRequire } from 'node:module';
import { Logger, makeWorkerUtils, run, runMigrations } from 'graphile-worker';
import type { Runner } from 'graphile-worker';
import pg from 'pg';
import type { BenchPayload, QueueClient, QueueSystem } from './system.js';

const require = createRequire(import.meta.url);
const VERSION = (require('graphile-worker/package.json') as { version: string }).version;
const TASK = 'noop';
const silent = new Logger(() => () => undefined);

/** BENCHMARKING.md's concurrency: the main table's graphile-worker drain, and every other workload. */
const REFERENCE_CONCURRENCY = 10;

/**
 * graphile-worker as BENCHMARKING.md tuned it: concurrency 10, a local queue that locks 100 jobs per
 * fetch, and completions batched (completeJobBatchDelay 0: flush what piled up during one tick).
 * `tuned: false` is its default set-up (one job per fetch, one completion per job). The drain at other
 * concurrencies changes `concurrency` (jobs run at once) and keeps the local queue at least that large:
 * graphile-worker warns that a local queue smaller than the concurrency "may result in drastically lower
 * performance" and recommends `localQueueSize: concurrency` (0.17.3, main.js), so 100 up to concurrency
 * 100 and the concurrency above it.
 */
export function graphileWorker(tuned = true, concurrency = REFERENCE_CONCURRENCY): QueueSystem {
  const localQueueSize = Math.max(100, concurrency);
  const worker = tuned
    ? { localQueue: { size: localQueueSize }, completeJobBatchDelay: 0, failJobBatchDelay: 0 }
    : { completeJobBatchDelay: -1, failJobBatchDelay: -1 };
  return {
    id: tuned ? 'graphile-worker' : 'graphile-worker-plain',
    label: `graphile-worker ${VERSION}${tuned ? '' : ' (plain)'}`,
    config: tuned
      ? `concurrency ${concurrency}, localQueue.size ${localQueueSize}, completeJobBatchDelay 0, failJobBatchDelay 0, pg pools of 10 (its default size)`
      : `concurrency ${concurrency}, no local queue, no batched completion, pg pools of 10 (its default size)`,
    concurrency: { reference: REFERENCE_CONCURRENCY, at: (n) => graphileWorker(tuned, n) },
    store: 'postgres',
    async migrate(url) {
      await runMigrations({ connectionString: url, logger: silent });
    },
    async open(url) {
      // Pools of our own, as graphile-worker makes them from a connection string (node-postgres's default
      // of 10 connections each), but ended and listened to by us: graphile-worker's release ends its pools
      // without waiting and drops their error listener first, so the DROP DATABASE … WITH (FORCE) after a
      // workload could end a connection still closing and crash the bench with an unhandled 'error'.
      const utilsPool = benchPool(url);
      const runnerPool = benchPool(url);
      const utils = await makeWorkerUtils({ pgPool: utilsPool, logger: silent });
      const probe = new pg.Client({ connectionString: url });
      await probe.connect();
      let runner: Runner | undefined;
      let enqueued = 0;
      const client: QueueClient = {
        async enqueue(payload) {
          await utils.addJob(TASK, payload);
          enqueued++;
        },
        async enqueueBatch(payloads) {
          await utils.addJobs(payloads.map((payload) => ({ identifier: TASK, payload })));
          enqueued += payloads.length;
        },
        prepareWorkers(entered) {
          return Promise.resolve(async () => {
            runner = await run({
              pgPool: runnerPool,
              concurrency,
              noHandleSignals: true,
              logger: silent,
              taskList: { [TASK]: (payload) => Promise.resolve(entered(payload as BenchPayload)) },
              preset: { worker },
            });
          });
        },
        async hasUnfinished() {
          // A job that succeeded is deleted: any row left is queued, locked or waiting for a retry.
          const { rows } = await probe.query<{ live: boolean }>(
            `SELECT EXISTS (SELECT 1 FROM graphile_worker._private_jobs) AS live`,
          );
          return rows[0].live;
        },
        async succeeded() {
          const { rows } = await probe.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM graphile_worker._private_jobs`,
          );
          return enqueued - rows[0].n;
        },
        async close() {
          await runner?.stop();
          await utils.release();
          await Promise.all([runnerPool.end(), utilsPool.end(), probe.end()]);
        },
      };
      return client;
    },
  };
}

/** A pool like the one graphile-worker makes from a connection string, whose connection errors are ignored. */
function benchPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection ended by DROP DATABASE … WITH (FORCE), or a checked-out one: graphile-worker asks for
  // both listeners on a pool it is given (and says so once per start when one is missing).
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
