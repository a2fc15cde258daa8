import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';

/** The Nest token of the TypeORM DataSource TaskSystem runs on: the host application's, or its own. */
export const TASKSYSTEM_DATA_SOURCE = 'TASKSYSTEM_DATA_SOURCE';

/**
 * A transaction for TaskSystem's statements: the EntityManager of a transaction (what
 * `dataSource.transaction(manager => …)` hands its callback, or a QueryRunner's `manager` after
 * `startTransaction()`), or that QueryRunner itself. It must be on TaskSystem's database.
 */
export type Transaction = EntityManager | QueryRunner;

export interface StatementOptions {
  /** Runs the statement in this transaction; without one, on a pooled connection in a transaction of its own. */
  tx?: Transaction;
  /**
   * A named prepared statement: each connection parses and plans it once instead of at every call. Sent
   * unnamed when DATABASE_PREPARED_STATEMENTS is false: through a pooler in transaction mode, the next
   * use may reach a server connection that never prepared it ("prepared statement … does not exist").
   */
  name?: string;
}

/**
 * The one way TaskSystem's code reaches PostgreSQL (but for the LISTEN connection, which must be a session
 * of its own, and the migration lock). Every statement goes through node-postgres on the DataSource's
 * connections, so rows come back the same shape whether or not a transaction is given; services start
 * transactions here and hand them to the repositories.
 */
@Injectable()
export class Database {
  private readonly preparedStatements: boolean;

  constructor(
    @Inject(TASKSYSTEM_DATA_SOURCE) readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.preparedStatements = config.databasePreparedStatements;
  }

  /** Runs one statement and returns its rows (those of UPDATE … RETURNING and DELETE … RETURNING too). */
  async rows<T>(sql: string, parameters: unknown[], { tx, name }: StatementOptions = {}): Promise<T[]> {
    const query = { text: sql, values: parameters, name: this.preparedStatements ? name : undefined };
    const client = tx ? await connectionOf(tx) : pool(this.dataSource);
    return (await client.query<T & pg.QueryResultRow>(query)).rows;
  }

  /** Runs `work` in a transaction of our own: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(manager));
  }

  /** Runs `work` in the caller's transaction when there is one, else in one of our own. */
  within<T>(tx: Transaction | undefined, work: (tx: Transaction) => Promise<T>): Promise<T> {
    return tx ? work(tx) : this.transaction(work);
  }
}

/** The node-postgres client a transaction runs on (QueryRunner.connect() gives the one it holds). */
async function connectionOf(tx: Transaction): Promise<pg.ClientBase> {
  const runner = isQueryRunner(tx) ? tx : tx.queryRunner;
  if (!runner?.isTransactionActive) {
    throw new TypeError(
      'TaskSystem needs an open transaction here: the EntityManager that dataSource.transaction() hands its ' +
        'callback, or a QueryRunner after startTransaction()',
    );
  }
  return (await runner.connect()) as pg.ClientBase;
}

function isQueryRunner(tx: Transaction): tx is QueryRunner {
  return typeof (tx as Partial<QueryRunner>).connect === 'function';
}

/**
 * The node-postgres pool behind the DataSource, for statements outside transactions: one round trip,
 * without a QueryRunner's checkout and release around it, and with named prepared statements, which
 * TypeORM's query() does not offer.
 */
function pool(dataSource: DataSource): pg.Pool {
  return (dataSource.driver as unknown as { master: pg.Pool }).master;
}
