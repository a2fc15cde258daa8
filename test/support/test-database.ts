import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * One real database per test file, cloned from a template that global-setup migrated once: fast, and no
 * test sees another's rows. The server is the embedded one, or DATABASE_URL's.
 */
function templateDatabase(): string {
  const name = process.env.TEST_TEMPLATE_DATABASE;
  if (!name) throw new Error('TEST_TEMPLATE_DATABASE is unset: run the tests through jest (global-setup sets it)');
  return name;
}

export function serverUrl(): string {
  const url = process.env.TEST_SERVER_URL;
  if (!url) throw new Error('TEST_SERVER_URL is unset: run the tests through jest (global-setup sets it)');
  return url;
}

export function databaseUrl(server: string, database: string): string {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  /** Runs SQL against the test database directly, as an operator would. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A migrated database of its own, or with `empty`, one without any table, as a new deployment finds it. */
export async function createTestDatabase({ empty = false }: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `tasksystem_test_${randomBytes(6).toString('hex')}`;
  const template = empty ? 'template0' : templateDatabase();
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const url = databaseUrl(serverUrl(), name);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // pool.end() resolves before its connections have closed, so drop()'s DROP ... WITH (FORCE) can reach one
  // still open: PostgreSQL then ends it with 57P01, which an idle client raises here. A test's own query
  // still sees its errors; only this idle-connection event is let go.
  pool.on('error', () => undefined);
  return {
    url,
    query: async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
      (await pool.query<T>(sql, params)).rows,
    drop: async () => {
      await pool.end();
      await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
