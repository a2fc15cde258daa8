import type pg from 'pg';
import type { DataSource } from 'typeorm';

/**
 * How to open a connection of our own to the DataSource's database (the LISTEN session, the migration
 * lock), from the DataSource's options: its URL, or its host, port, user, password, database and SSL.
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
