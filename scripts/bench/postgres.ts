import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { fromDist } from './from-dist.js';

/**
 * The one PostgreSQL server of a bench run: the embedded one under .data/bench-pg (its own folder and port,
 * so it never meets `npm start`'s or the tests' server), or DATABASE_URL's. Every workload of every system
 * gets a database of its own, cloned from a template that system migrated once, and dropped right after:
 * no run sees another's rows, dead tuples or caches of its tables.
 */
export interface BenchServer {
  /** The server's admin URL (its `postgres` database). */
  url: string;
  /** e.g. "PostgreSQL 18.0 (embedded), fsync=on, synchronous_commit=on, shared_buffers=128MB". */
  description: string;
  /**
   * Creates an empty database, or a clone of `template`; returns its URL. `bigTemplate`: copy the files
   * (PostgreSQL 15+'s default strategy writes the whole copy to the WAL, slow for a large history).
   */
  createDatabase(label: string, template?: string, bigTemplate?: boolean): Promise<{ name: string; url: string }>;
  dropDatabase(name: string): Promise<void>;
  /** Drops every database this run created, then stops the embedded server (if any). */
  close(): Promise<void>;
}

const EMBEDDED_DATA_DIR = resolve('.data', 'bench-pg');
const EMBEDDED_PORT = 54_349;
/** Every database the bench makes starts with this, so a crashed run's leftovers can be found and dropped. */
export const DATABASE_PREFIX = 'tsbench_';

export function databaseUrl(server: string, database: string): string {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function startBenchServer(log: (message: string) => void): Promise<BenchServer> {
  let url = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    const { startEmbeddedPostgres } = await fromDist<
      typeof import('../../src/dev/embedded-postgres/embedded-postgres.js')
    >('dev/embedded-postgres/embedded-postgres.js');
    // fast: false — the peers' figures in BENCHMARKING.md are on a durable server; commits pay their fsync.
    const embedded = await startEmbeddedPostgres({
      dataDir: EMBEDDED_DATA_DIR,
      preferredPort: EMBEDDED_PORT,
      // Only the start-up's own news: the server's log lines are the peers' expected noise (graphile-worker
      // probes for its migrations table; DROP DATABASE … WITH (FORCE) ends idle connections), and initdb's
      // chatter on a first run says nothing a bench reader needs. A real failure surfaces in its workload.
      log: (message) => {
        if (/^(Embedded PostgreSQL|Initialising|Port|Stopping|Removing|Giving)/.test(message)) log(message);
      },
      fast: false,
    });
    url = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  const adminUrl = url;
  const created = new Set<string>();
  const admin = (sql: string): Promise<pg.QueryResult> => withClient(adminUrl, (client) => client.query(sql));

  // A run that was killed leaves its databases behind; they would only take disk and autovacuum time.
  const leftovers = await admin(`SELECT datname FROM pg_database WHERE datname LIKE '${DATABASE_PREFIX}%'`);
  for (const { datname } of leftovers.rows as { datname: string }[]) {
    log(`dropping ${datname}, left by an earlier bench run`);
    await admin(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }

  const { v: versionNum } = (await admin(`SELECT current_setting('server_version_num')::int AS v`)).rows[0] as {
    v: number;
  };
  const settings = await withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings
       WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers', 'autovacuum_naptime')`,
    );
    const get = (name: string): string => rows.find((row) => row.name === name)?.setting ?? '?';
    const buffersMb = (Number(get('shared_buffers')) * 8) / 1024;
    return (
      `PostgreSQL ${get('server_version')} (${stopEmbedded ? 'embedded, .data/bench-pg' : 'DATABASE_URL'}), ` +
      `fsync=${get('fsync')}, synchronous_commit=${get('synchronous_commit')}, shared_buffers=${buffersMb}MB, ` +
      `autovacuum_naptime=${get('autovacuum_naptime')}s`
    );
  });

  return {
    url: adminUrl,
    description: settings,
    async createDatabase(label, template, bigTemplate = false) {
      const name = `${DATABASE_PREFIX}${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(3).toString('hex')}`;
      const strategy = bigTemplate && versionNum >= 150_000 ? ' STRATEGY FILE_COPY' : '';
      await admin(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}${strategy}`);
      created.add(name);
      return { name, url: databaseUrl(adminUrl, name) };
    },
    async dropDatabase(name) {
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      created.delete(name);
    },
    async close() {
      for (const name of [...created]) {
        await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
        created.delete(name);
      }
      await stopEmbedded?.();
    },
  };
}
