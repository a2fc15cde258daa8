import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations/index.js';

/** Where TypeORM records the migrations it applied: its default name, so a host's runner can share it. */
export const MIGRATIONS_TABLE = 'migrations';

/** Fail fast instead of queueing requests forever while the database is unreachable. */
export const poolSettings = (poolSize: number): Record<string, unknown> => ({
  max: poolSize,
  connectionTimeoutMillis: 5000,
});

/**
 * The one description of our own database connection, shared by the app and the migration runner. The
 * app's pool size is DATABASE_POOL_SIZE; the migration runner needs one connection.
 */
export function dataSourceOptions(databaseUrl: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    extra: poolSettings(poolSize),
  };
}
