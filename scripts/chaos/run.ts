// `npm run chaos`: issue 3's chaos test. Three replicas on one fresh database (with --pgbouncer, through a
// PgBouncer in transaction mode) take a few thousand mixed tasks while they are killed (SIGKILL, then
// restarted) and frozen (SIGSTOP past their lease, then SIGCONT); then the chaos stops, every task must
// end, and the database is checked (check.ts) and the figures printed (report.ts). Exit code: 0 all
// must-be-0 figures are 0, 1 some are not, 2 it could not run, 3 hard timeout, 130 interrupted. Whatever
// happens it ends its replicas, drops the run database and stops the server (and PgBouncer) it started.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { check } from './check.js';
import { createRunDatabase, startServer } from './database.js';
import { ChaosMonkey } from './faults.js';
import { fromDist, PROJECT_ROOT } from './from-dist.js';
import { parseOptions, UsageError } from './options.js';
import { LEASE_MS, ReplicaSet } from './replicas.js';
import { report } from './report.js';
import { formatMs, sleep } from './timing.js';
import { Traffic } from './traffic.js';

const REPLICAS = 3;
/** Below the replicas' pools together (3 × DATABASE_POOL_SIZE 20), as on a managed pooler's plan. */
const PGBOUNCER_SERVER_CONNECTIONS = 20;
/** How long the tasks may take to end once the chaos stops: recovery of the last kill, then the backlog. */
const SETTLE_TIMEOUT_MS = LEASE_MS * 3 + 60_000;
/** Start-up (a new embedded cluster, three replicas), the check, and the clean-up, on top of the phases. */
const OVERHEAD_MS = 180_000;
const CLEANUP_TIMEOUT_MS = 45_000;
const LOG_DIR = join(PROJECT_ROOT, '.data', 'chaos-logs');

const startedAt = Date.now();
const log = (message: string): void => console.log(`[${formatMs(Date.now() - startedAt).padStart(7)}] ${message}`);

/** Clean-up steps, run last first. */
const cleanups: (() => Promise<unknown>)[] = [];
let replicas: ReplicaSet | undefined;
let finishing: Promise<never> | undefined;

/** Runs every clean-up step (each may fail; the others still run), within CLEANUP_TIMEOUT_MS, then exits. */
function finish(code: number): Promise<never> {
  finishing ??= (async () => {
    const steps = (async () => {
      for (const step of cleanups.reverse()) await step().catch((error: Error) => log(`clean-up: ${error.message}`));
    })();
    await Promise.race([steps, sleep(CLEANUP_TIMEOUT_MS)]);
    replicas?.killAllNow(); // in case clean-up ran out of time
    process.exit(code); // explicit: the embedded PostgreSQL's package may have changed exit behaviour
  })();
  return finishing;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const hardTimeoutMs = options.durationMs + SETTLE_TIMEOUT_MS + OVERHEAD_MS;
  setTimeout(() => {
    log(`hard timeout: the run took longer than ${formatMs(hardTimeoutMs)}; stopping everything`);
    replicas?.killAllNow();
    void finish(3);
  }, hardTimeoutMs).unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping everything`);
      void finish(130);
    });
  }

  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const server = await startServer(log);
  cleanups.push(() => server.stop());
  const database = await createRunDatabase(server.url);
  cleanups.push(() => (options.keepDatabase ? database.pool.end() : database.drop()));
  log(`run database ${database.name} on ${server.describe}${options.keepDatabase ? ' (kept: --keep-db)' : ''}`);

  const set = (replicas = new ReplicaSet(await replicaDatabase(database.url, options.pgbouncer), LOG_DIR));
  cleanups.push(async () => {
    const unclean = await set.stopAll(5000);
    if (unclean.length > 0) log(`note: replicas that did not stop cleanly on SIGTERM: ${unclean.join(', ')}`);
  });
  const started = await Promise.all(Array.from({ length: REPLICAS }, (_, i) => set.start(i + 1)));
  log(`replicas up: ${started.map((r) => `${r.id} on :${r.port}`).join(', ')}; logs in ${LOG_DIR}`);

  log(`chaos for ${formatMs(options.durationMs)}: ${options.tasks} tasks, a kill -9 every ~5 s, a freeze every ~10 s`);
  const monkey = new ChaosMonkey(set, database.pool, log);
  const traffic = new Traffic(set, database.pool, options.tasks, options.durationMs);
  const chaosOver = new AbortController();
  // A fault that goes wrong (a replica that cannot restart) ends the chaos at once, and the run with it.
  const faults = monkey.run(chaosOver.signal).catch((error: unknown) => {
    chaosOver.abort();
    throw error;
  });
  faults.catch(() => undefined); // awaited below; meanwhile not an unhandled rejection
  const submitted = traffic.run();
  await sleep(options.durationMs, chaosOver.signal);
  chaosOver.abort();
  await faults;
  await submitted;
  if (traffic.submissions.length < options.tasks) {
    log(`submitted ${traffic.submissions.length} of ${options.tasks} tasks: the service fell behind the pace`);
  }
  log(`chaos over; waiting up to ${formatMs(SETTLE_TIMEOUT_MS)} for every task to end`);
  await settle(database.pool);

  const figures = await check(database.pool, {
    submissions: traffic.submissions,
    stops: traffic.stops,
    faults: monkey.faults,
    kills: monkey.kills,
    leaseMs: LEASE_MS,
  });
  const passed = report(figures, {
    kills: monkey.kills.length,
    freezes: monkey.freezes,
    crashes: set.crashes,
    header: `chaos run: ${formatMs(options.durationMs)} of chaos, ${REPLICAS} replicas${options.pgbouncer ? ' through PgBouncer (transaction mode)' : ''}, LEASE_MS ${LEASE_MS}, database ${database.name}`,
  });
  await finish(passed ? 0 : 1);
}

/**
 * How the replicas reach the run database: directly, or with --pgbouncer as on Fly.io's pooled URL, their
 * pool through a PgBouncer in transaction mode (fewer server connections than the replicas' pools together)
 * with named prepared statements off, and LISTEN and the migration lock on the server itself.
 */
async function replicaDatabase(url: string, pgbouncer: boolean): Promise<Record<string, string>> {
  if (!pgbouncer) return { DATABASE_URL: url };
  const { startPgBouncer } =
    await fromDist<typeof import('../../src/dev/pgbouncer/pgbouncer.js')>('dev/pgbouncer/pgbouncer.js');
  const bouncer = await startPgBouncer({ serverUrl: url, serverConnections: PGBOUNCER_SERVER_CONNECTIONS, log });
  cleanups.push(() => bouncer.stop()); // run before the database's drop: clean-ups run last first
  return { DATABASE_URL: bouncer.pooled(url), DATABASE_LISTEN_URL: url, DATABASE_PREPARED_STATEMENTS: 'false' };
}

/** Waits until no task is queued or running, or SETTLE_TIMEOUT_MS passes (the check then reports the rest). */
async function settle(pool: pg.Pool): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let lastLog = Date.now();
  for (;;) {
    const { rows } = await pool.query<{ open: number }>(
      `SELECT count(*)::int AS open FROM tasks WHERE status NOT IN ('succeeded', 'failed', 'cancelled')`,
    );
    if (rows[0].open === 0) return log('every task has ended');
    if (Date.now() > deadline) return log(`gave up waiting: ${rows[0].open} tasks have not ended`);
    if (Date.now() - lastLog > 10_000) {
      log(`${rows[0].open} tasks not ended yet`);
      lastLog = Date.now();
    }
    await sleep(500);
  }
}

main().catch((error: unknown) => {
  if (finishing) return; // already ending (a signal, the hard timeout): what failed is the run being torn down
  if (error instanceof UsageError) console.error(error.message.trim());
  else log(`chaos run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  void finish(2);
});
