import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations/index.js';

/** The one description of our database connection, shared by the app, the migration runner and the tests. */
export function dataSourceOptions(databaseUrl: string, poolSize = 10): DataSourceOptions {
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
