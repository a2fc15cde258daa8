import type pg from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Where to open a connection that needs a session of its own (the LISTEN connection, the migration lock):
 * the direct URL when one is given (DATABASE_LISTEN_URL), else the DataSource's own database. Through a
 * pooler in transaction mode a LISTEN or a session-level lock would stay behind on a server connection that
 * the pooler hands to other clients: the notifications never arrive, the lock is never released.
 */
export function sessionClientConfig(dataSource: DataSource, directUrl: string | undefined): pg.ClientConfig {
  return directUrl ? { connectionString: directUrl } : clientConfigOf(dataSource);
}

/**
 * How to open a connection of our own to the DataSource's database, from the DataSource's options: its URL,
 * or its host, port, user, password, database and SSL.
 */
export function clientConfigOf(dataSource: DataSource): pg.ClientConfig {
  const options = dataSource.options;
  if (options.type !== 'postgres') {
    throw new TypeError(`TaskSystem runs on PostgreSQL; the DataSource given is of type '${options.type}'`);
  }
  const { url, host, port, username, password, database, ssl } = options;
  return {
    connectionString: url,
    host,
    port,
    user: username,
    password,
    database,
    ssl: ssl as pg.ClientConfig['ssl'],
  };
}
