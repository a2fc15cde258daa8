import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { CHAOS_SCHEMA } from './chaos-schema.js';
import { fromDist, PROJECT_ROOT } from './from-dist.js';
import { withAdmin, withDatabase } from '../shared/postgres-admin.js';

export interface Server {
  /** Any database on it; used to create and drop the run database. */
  url: string;
  describe: string;
  stop(): Promise<void>;
}

export interface RunDatabase {
  name: string;
  url: string;
  /** For run.ts's own queries (held tasks at a kill, the wait for the end, the check). */
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** Next to `npm start`'s 54329 and the tests' 54339, so all three can run at once. */
const EMBEDDED_PORT = 54_349;

/** DATABASE_URL's server if set, else the embedded PostgreSQL under .data/chaos-pg (crash safety off: speed). */
export async function startServer(log: (message: string) => void): Promise<Server> {
  const url = process.env.DATABASE_URL;
  if (url) return { url, describe: `DATABASE_URL's server (${new URL(url).host})`, stop: () => Promise.resolve() };
  const { startEmbeddedPostgres } = await fromDist<
    typeof import('../../src/dev/embedded-postgres/embedded-postgres.js')
  >('dev/embedded-postgres/embedded-postgres.js');
  const embedded = await startEmbeddedPostgres({
    dataDir: resolve(PROJECT_ROOT, '.data', 'chaos-pg'),
    preferredPort: EMBEDDED_PORT,
    fast: true,
    // Its own lines and the server's problems, not initdb's chatter on a first run (a failed start throws
    // with the server's output) nor the server noticing a killed replica's connection ("client lost").
    log: (message) => {
      const own = /^(Embedded PostgreSQL|Initialising|Port|Stopping|Removing|Creating|Giving)/.test(message);
      const problem = /WARNING|ERROR|FATAL|PANIC/.test(message) && !/connection to client lost/.test(message);
      if (own || problem) log(`embedded PostgreSQL: ${message}`);
    },
  });
  // This cluster serves chaos runs only, one at a time (a second start refuses while its server runs), so
  // any run database in it was left by a run that was killed before its clean-up.
  const left = await withAdmin(embedded.url, async (admin) => {
    const { rows } = await admin.query<{ name: string }>(
      `SELECT datname AS name FROM pg_database WHERE datname LIKE 'chaos\\_%'`,
    );
    for (const { name } of rows) await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    return rows.length;
  });
  if (left > 0) log(`dropped ${left} run database(s) left by interrupted runs`);
  return {
    url: embedded.url,
    describe: `the embedded PostgreSQL on port ${embedded.port}`,
    stop: () => embedded.stop(),
  };
}

/**
 * A fresh database for this run: migrated as the service migrates it, then given the chaos tables and
 * trigger, all before any replica starts, so no write to a task goes unrecorded.
 */
export async function createRunDatabase(serverUrl: string): Promise<RunDatabase> {
  const name = `chaos_${new Date().toISOString().slice(0, 19).replace(/\D/g, '')}_${randomBytes(3).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(serverUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined); // an idle connection dropped at the end (DROP ... WITH (FORCE))
  const drop = async (): Promise<void> => {
    await pool.end().catch(() => undefined);
    await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  try {
    const { migrateDatabase } = await fromDist<typeof import('../../src/database/migrate.js')>('database/migrate.js');
    await migrateDatabase(url);
    await pool.query(CHAOS_SCHEMA);
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return { name, url, pool, drop };
}
