// Stop latency of running tasks, inline and isolated: from just before `DELETE /tasks/:id` is sent until it
// answers 200 `cancelled` (the task's outcome is written once its handler has ended), and for isolated
// handlers until the task's worker thread has exited. Two replicas in this process (one clock): W runs the
// tasks, A only serves HTTP; "same" sends the DELETE to W, "cross" to A, which reaches W through NOTIFY.
// W's lease is long, so a stop never arrives by the heartbeat instead.
//
//   npm run build && node scripts/stop-latency/measure.mjs [--samples 30] [--grace-ms 5000]
//
// Types: `sleep` (inline, honours its signal), `hold-isolated` (isolated, honours its signal: the relay into
// the thread; it reports progress on entry so the script knows its handler runs) and `cpu` (isolated, never yields: its thread is terminated after CANCEL_GRACE_MS, so its
// figures are the grace plus the cost of the kill; "over grace" subtracts the grace).
// Without DATABASE_URL it starts the embedded PostgreSQL under .data/stop-latency-pg (port 54359 or free).
// Plain JavaScript on the build in dist/, like test/support/global-setup.mjs: nothing to compile.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Injectable, Module } from '@nestjs/common';
import pg from 'pg';

const dist = (file) => import(new URL(`../../dist/${file}`, import.meta.url).href);
const { createApp } = await dist('app.setup.js');
const { loadConfig } = await dist('config/app-config.js');
const { startEmbeddedPostgres } = await dist('dev/embedded-postgres/embedded-postgres.js');
const { TaskHandler } = await dist('task-types/task-handler.js');
const { IsolatedThreads } = await dist('worker/isolated/isolated-threads.service.js');

const { values: options } = parseArgs({
  options: { samples: { type: 'string', default: '30' }, 'grace-ms': { type: 'string', default: '5000' } },
});
const SAMPLES = Number(options.samples);
const GRACE_MS = Number(options['grace-ms']);
/** Stops before the measured ones, so JIT warm-up and first connections are not in the figures. */
const WARM_UP = 3;

// The cooperative isolated type, declared without TypeScript's decorator syntax.
class HoldIsolatedHandler {}
Injectable()(HoldIsolatedHandler);
TaskHandler({ type: 'hold-isolated', isolated: { module: new URL('./hold.thread.mjs', import.meta.url) } })(
  HoldIsolatedHandler,
);
class StopLatencyModule {}
Module({ providers: [HoldIsolatedHandler] })(StopLatencyModule);

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

async function startReplica(databaseUrl, environment) {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'fatal',
    THROTTLE_LIMIT: '0',
    POLL_INTERVAL_MS: '200',
    ...environment,
  });
  const app = await createApp(config, [StopLatencyModule]);
  await app.listen(0, '127.0.0.1');
  return { app, baseUrl: await app.getUrl() };
}

async function waitUntil(check) {
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await new Promise((done) => setTimeout(done, 2));
  }
}

async function main() {
  let embedded;
  let server = process.env.DATABASE_URL;
  if (!server) {
    embedded = await startEmbeddedPostgres({
      dataDir: resolve('.data', 'stop-latency-pg'),
      preferredPort: 54_359,
      log: (message) => process.stderr.write(`[embedded-postgres] ${message}\n`),
    });
    server = embedded.url;
  }
  const name = `stoplatency_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const replicas = [];
  try {
    const worker = await startReplica(url.href, {
      WORKER_CONCURRENCY: '2',
      LEASE_MS: '60000',
      CANCEL_GRACE_MS: String(GRACE_MS),
    });
    replicas.push(worker);
    const api = await startReplica(url.href, { WORKER_ENABLED: 'false' });
    replicas.push(api);
    const threads = worker.app.get(IsolatedThreads);

    const request = async (base, method, path, body) => {
      const response = await fetch(`${base}${path}`, { method, body: body && JSON.stringify(body) });
      return { status: response.status, task: await response.json() };
    };

    const rows = [];
    for (const [type, kind, payload] of [
      ['sleep', 'inline', { ms: 60_000 }],
      ['hold-isolated', 'isolated, honours its signal', {}],
      ['cpu', 'isolated, never yields', { ms: 60_000 }],
    ]) {
      for (const [mode, target] of [
        ['same', worker],
        ['cross', api],
      ]) {
        const toCancelled = [];
        const toThreadExit = [];
        for (let k = 0; k < WARM_UP + SAMPLES; k++) {
          const { task } = await request(api.baseUrl, 'POST', '/tasks', { type, payload });
          // Running, and for an isolated type its handler entered (it reports progress first thing): a
          // thread that is still starting would add its start-up (~25-40 ms) to the stop.
          await waitUntil(async () => {
            const { task: current } = await request(api.baseUrl, 'GET', `/tasks/${task.id}`);
            return kind === 'inline' ? current.status === 'running' : current.progress !== null;
          });
          const threadId = threads.threads().find((thread) => thread.taskId === task.id)?.threadId;
          const sentAt = performance.now();
          let exitedAt;
          const watchThread =
            kind === 'inline'
              ? Promise.resolve()
              : waitUntil(() => !threads.threads().some((t) => t.threadId === threadId)).then(
                  () => (exitedAt = performance.now()),
                );
          const stopped = await request(target.baseUrl, 'DELETE', `/tasks/${task.id}?wait=30000`);
          const answeredAt = performance.now();
          if (stopped.status !== 200 || stopped.task.status !== 'cancelled') {
            throw new Error(`DELETE /tasks/${task.id} answered ${stopped.status} ${stopped.task.status}`);
          }
          await watchThread;
          if (k < WARM_UP) continue;
          toCancelled.push(answeredAt - sentAt);
          if (exitedAt !== undefined) toThreadExit.push(exitedAt - sentAt);
        }
        const over = type === 'cpu' ? GRACE_MS : 0;
        const cell = (values) =>
          values.length === 0
            ? 'n/a'
            : `${percentile(values, 50).toFixed(1)} / ${percentile(values, 99).toFixed(1)}` +
              (over
                ? ` (over grace: ${(percentile(values, 50) - over).toFixed(1)} / ${(percentile(values, 99) - over).toFixed(1)})`
                : '');
        rows.push(`| ${type} | ${kind} | ${mode} | ${cell(toCancelled)} | ${cell(toThreadExit)} |`);
        process.stderr.write(`${type} ${mode}: done\n`);
      }
    }
    console.log(
      `CANCEL_GRACE_MS ${GRACE_MS}, ${SAMPLES} samples per row (after ${WARM_UP} warm-up stops), ms p50 / p99\n`,
    );
    console.log('| type | handler | DELETE sent to | DELETE → 200 cancelled | DELETE → thread exited |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const row of rows) console.log(row);
  } finally {
    for (const replica of replicas.reverse()) await replica.app.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await embedded?.stop();
  }
}

await main();
