import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations/index.js';

/**
 * The one description of our database connection, shared by the app and the migration runner. The app's
 * pool size is DATABASE_POOL_SIZE; the migration runner needs one connection.
 */
export function dataSourceOptions(databaseUrl: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    // Fail fast instead of queueing requests forever while the database is unreachable.
    extra: { max: poolSize, connectionTimeoutMillis: 5000 },
  };
}
