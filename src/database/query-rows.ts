import type pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs one statement on a pooled connection and returns its rows. The structured result gives the rows
 * of UPDATE … RETURNING and DELETE … RETURNING too, where TypeORM's plain query() gives a [rows, count]
 * pair for those and rows for a SELECT.
 */
export async function queryRows<T>(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return (await runner.query(sql, parameters, true)).records as T[];
  } finally {
    await runner.release();
  }
}

/** The same inside a transaction: `manager` is the one `dataSource.transaction()` hands its callback. */
export async function queryRowsIn<T>(manager: EntityManager, sql: string, parameters: unknown[]): Promise<T[]> {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('queryRowsIn needs a transaction: an EntityManager with a query runner');
  return (await runner.query(sql, parameters, true)).records as T[];
}

/**
 * The node-postgres pool TypeORM manages, for what TypeORM's query() cannot do: named prepared
 * statements, and a statement without a query runner's checkout and release around it.
 */
export function pgPool(dataSource: DataSource): pg.Pool {
  return (dataSource.driver as unknown as { master: pg.Pool }).master;
}
