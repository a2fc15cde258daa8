import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';
import { MIGRATION_LOCK_KEY } from '../src/database/migrate.js';
import { MIGRATIONS } from '../src/database/migrations/index.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { settlesWithin, waitFor } from './support/wait-for.js';

/** The built migration runner (global setup builds it): `npm run migration:run`, and what every replica runs at start-up. */
const RUN_MIGRATIONS = resolve('dist', 'database', 'run-migrations.js');
const REPLICAS = 4;

interface MigrationRun {
  output(): string;
  exited: Promise<number | string>;
  kill(): void;
}

function runMigrations(databaseUrl: string): MigrationRun {
  let output = '';
  const child = spawn(process.execPath, [RUN_MIGRATIONS], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? -1)),
  );
  return { output: () => output.trim(), exited, kill: () => child.kill('SIGKILL') };
}

/**
 * Replicas of a new deployment start together on an empty database, and each migrates it at start-up. They
 * take turns through an advisory lock (src/database/migrate.ts). Here the test takes that lock first and
 * waits until every process queues behind it, so they all contend for certain, however the machine
 * schedules their start; then it lets them go.
 */
describe('migrations raced by several replicas on an empty database', () => {
  let database: TestDatabase;
  let holder: pg.Client;
  const runs: MigrationRun[] = [];

  beforeAll(async () => {
    database = await createTestDatabase({ empty: true });
    holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
  });

  afterAll(async () => {
    for (const run of runs) run.kill(); // only the ones a failed test left behind are still running
    await holder?.end();
    await database?.drop();
  });

  /** Sessions of this database waiting for the migration lock. */
  const waitingForTheLock = async (): Promise<number> => {
    const [{ n }] = await database.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks
       WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid AND objsubid = 1`,
      [MIGRATION_LOCK_KEY],
    );
    return n;
  };

  it('all succeed, and the schema is migrated once: one applies every migration, the others find none pending', async () => {
    await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    for (let i = 0; i < REPLICAS; i++) runs.push(runMigrations(database.url));
    await waitFor(
      `all ${REPLICAS} to wait for the migration lock`,
      async () => (await waitingForTheLock()) === REPLICAS,
    );
    await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);

    const exitCodes = await settlesWithin('every migration run to exit', Promise.all(runs.map((run) => run.exited)), {
      timeoutMs: 30_000,
    });
    const outputs = runs.map((run) => run.output());
    expect({ exitCodes, outputs }).toMatchObject({ exitCodes: Array(REPLICAS).fill(0) });
    const names = MIGRATIONS.map((migration) => migration.name);
    expect(outputs.sort()).toEqual([
      `applied: ${names.join(', ')}`,
      ...Array(REPLICAS - 1).fill('no pending migrations'),
    ]);
    const applied = await database.query<{ name: string }>('SELECT name FROM migrations ORDER BY id');
    expect(applied.map((row) => row.name)).toEqual(names);
    const tables = await database.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(['migrations', 'queues', 'schedules', 'task_attempts', 'tasks']),
    );
  });
});
