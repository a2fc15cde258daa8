// Connections to a PostgreSQL server for scripts that make and drop their own databases (chaos, fuzz).
// A scripts/<name>/tsconfig.json includes this folder; scripts/transpile.mjs compiles it beside the script.
import pg from 'pg';

/** `serverUrl` with its database replaced by `database`. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `work` on a connection to the server: to the URL's database, or to `postgres` if that one is missing. */
export async function withAdmin<T>(serverUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  let admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error; // 3D000: no such database
    admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
    await admin.connect();
  }
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
