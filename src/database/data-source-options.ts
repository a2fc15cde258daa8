import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations/index.js';

/** Where TypeORM records the migrations it applied: its default name, so a host's runner can share it. */
export const MIGRATIONS_TABLE = 'migrations';

/** How big our own pool is, and how long its connections live (DATABASE_POOL_SIZE, _IDLE_TIMEOUT, _MAX_LIFETIME). */
export interface PoolSizing {
  size: number;
  /** Unset: node-postgres' 10 s; 0: never closed for idleness. */
  idleTimeoutMs?: number;
  /** Unset or 0: no limit. */
  maxLifetimeMs?: number;
}

/**
 * Fail fast instead of queueing requests forever while the database is unreachable. Connections are
 * recycled before a proxy in front of the database cuts them: Fly.io's proxy drains for 10 minutes when it
 * restarts, then closes what is left (docs/deploy.md, step 7).
 */
export const poolSettings = ({ size, idleTimeoutMs, maxLifetimeMs = 0 }: PoolSizing): Record<string, unknown> => ({
  max: size,
  connectionTimeoutMillis: 5000,
  idleTimeoutMillis: idleTimeoutMs,
  maxLifetimeSeconds: maxLifetimeMs / 1000,
});

/**
 * The one description of our own database connection, shared by the app and the migration runner. The
 * app's pool is sized by its settings; the migration runner needs one connection.
 */
export function dataSourceOptions(databaseUrl: string, pool: PoolSizing): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    extra: poolSettings(pool),
  };
}
