import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';

/** Any fixed number; every TaskSystem process uses this one to take turns at migrating (and tests, to hold it). */
export const MIGRATION_LOCK_KEY = 7_403_121_977;

/**
 * Applies pending migrations. Replicas that start together take turns through a session-level advisory
 * lock held on a separate connection, because TypeORM's runner does not lock by itself.
 */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  const lockClient = new pg.Client({ connectionString: databaseUrl });
  await lockClient.connect();
  const dataSource = new DataSource(dataSourceOptions(databaseUrl, 1));
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
