import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { fromDist, PROJECT_ROOT } from './from-dist.js';
import { withAdmin, withDatabase } from '../shared/postgres-admin.js';

export interface RunDatabase {
  name: string;
  url: string;
  /** What the service keeps, in a form two readings can be compared by (see `snapshot`). */
  snapshot(): Promise<Snapshot>;
  /** Drops the run database (unless kept) and stops the embedded server if it was started here. */
  close(keep: boolean): Promise<void>;
}

/**
 * What a refused request must not change: the number of tasks and the newest id (a refused write that
 * inserted and deleted would still move it), and the definitions of schedules and queue settings.
 * Task statuses are left out: the worker changes them all the time.
 */
export interface Snapshot {
  tasks: number;
  newestTaskId: string;
  schedules: string;
  queueSettings: string;
}

const SNAPSHOT = `
  SELECT (SELECT count(*)::int FROM tasks) AS tasks,
         (SELECT coalesce(max(id), 0)::text FROM tasks) AS "newestTaskId",
         (SELECT coalesce(string_agg(concat_ws(' ', name, cron, timezone, task::text, overlap, paused), E'\\n'
                   ORDER BY name), '') FROM schedules) AS schedules,
         (SELECT coalesce(string_agg(concat_ws(' ', name, paused, concurrency), E'\\n' ORDER BY name), '')
            FROM queues) AS "queueSettings"`;

/** Next to `npm start`'s 54329, the tests' 54339 and chaos's and bench's 54349, so each can run at once. */
const EMBEDDED_PORT = 54_359;
const DATABASE_PREFIX = 'fuzz_';

/**
 * A fresh, empty database for this run (the service migrates it at start-up) on DATABASE_URL's server, or
 * on an embedded PostgreSQL under .data/fuzz-pg. Fresh, so that the fixtures' ids are the same at every run
 * and a seed replays the same requests.
 */
export async function createRunDatabase(log: (message: string) => void): Promise<RunDatabase> {
  let serverUrl = process.env.DATABASE_URL;
  let stopServer = (): Promise<void> => Promise.resolve();
  if (!serverUrl) {
    const { startEmbeddedPostgres } = await fromDist<
      typeof import('../../src/dev/embedded-postgres/embedded-postgres.js')
    >('dev/embedded-postgres/embedded-postgres.js');
    const embedded = await startEmbeddedPostgres({
      dataDir: resolve(PROJECT_ROOT, '.data', 'fuzz-pg'),
      preferredPort: EMBEDDED_PORT,
      fast: true,
      log: (message) => {
        if (/^(Embedded PostgreSQL|Initialising|Port|Stopping|Giving)/.test(message)) log(message);
      },
    });
    serverUrl = embedded.url;
    stopServer = () => embedded.stop();
    // This cluster serves fuzz runs only, so any run database in it was left by a run that was killed.
    await withAdmin(serverUrl, async (admin) => {
      const { rows } = await admin.query<{ name: string }>(
        `SELECT datname AS name FROM pg_database WHERE datname LIKE '${DATABASE_PREFIX}%'`,
      );
      for (const { name } of rows) await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    });
  }
  const name = `${DATABASE_PREFIX}${new Date().toISOString().slice(0, 19).replace(/\D/g, '')}_${randomBytes(3).toString('hex')}`;
  const adminUrl = serverUrl;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(adminUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined); // an idle connection ended by the DROP at the end
  return {
    name,
    url,
    snapshot: async () => (await pool.query<Snapshot>(SNAPSHOT)).rows[0],
    close: async (keep) => {
      await pool.end().catch(() => undefined);
      if (!keep) await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await stopServer();
    },
  };
}
