import pg from 'pg';
import { DataSource } from 'typeorm';
import type { DataSourceOptions } from 'typeorm';
import { clientConfigOf } from './connection-config.js';
import { dataSourceOptions, MIGRATIONS_TABLE, poolSettings } from './data-source-options.js';
import { MIGRATIONS } from './migrations/index.js';

/** Any fixed number; every TaskSystem process uses this one to take turns at migrating (and tests, to hold it). */
export const MIGRATION_LOCK_KEY = 7_403_121_977;

/**
 * Applies TaskSystem's pending migrations to the database of `target`: a URL, or a DataSource (a host
 * application's: its connection settings are used for a small DataSource of our own that knows only our
 * migrations, recorded in the `migrations` table, TypeORM's default). Replicas that start together take
 * turns through a session-level advisory lock held on a separate connection, because TypeORM's runner
 * does not lock by itself. That lock needs a session: give the direct URL, never a pooler in transaction
 * mode (TaskSystemModule and `npm run migration:run` pass DATABASE_LISTEN_URL when it is set).
 */
export async function migrateDatabase(target: string | DataSource): Promise<string[]> {
  const lockClient = new pg.Client(typeof target === 'string' ? { connectionString: target } : clientConfigOf(target));
  await lockClient.connect();
  const dataSource = new DataSource(migrationOptions(target));
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await lockClient.end();
  }
}

function migrationOptions(target: string | DataSource): DataSourceOptions {
  if (typeof target === 'string') return dataSourceOptions(target, { size: 1 });
  return {
    ...target.options,
    entities: [],
    subscribers: [],
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    extra: poolSettings({ size: 1 }),
  };
}
