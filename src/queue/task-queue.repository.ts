import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { NewTask, Task, TaskError, TaskStatus } from './task.js';
import * as SQL from './task-queue.sql.js';

/** Identifies one attempt of one task by its holder: the fencing token of every outcome write. */
export interface HeldAttempt {
  id: string;
  workerId: string;
  attempt: number;
}

export interface ListFilter {
  statuses: TaskStatus[] | null;
  type: string | null;
  /** Return tasks older than this id. */
  beforeId: string | null;
  limit: number;
}

/** The only code that talks SQL to the tasks table. The statements themselves live in task-queue.sql.ts. */
@Injectable()
export class TaskQueueRepository {
  constructor(private readonly dataSource: DataSource) {}

  insert(tasks: NewTask[]): Promise<Task[]> {
    return this.prepared<Task>('insert_tasks', SQL.INSERT_TASKS, [
      tasks.map((task) => task.type),
      // node-postgres would turn a JS array into a Postgres array, so every payload travels as JSON text.
      tasks.map((task) => JSON.stringify(task.payload)),
      tasks.map((task) => task.priority),
      tasks.map((task) => task.runAt),
      tasks.map((task) => task.maxAttempts),
      tasks.map((task) => task.timeoutMs),
    ]);
  }

  claim(types: string[], freeSlots: number[], replicaId: string, leaseMs: number): Promise<Task[]> {
    return this.prepared<Task>('claim_tasks', SQL.CLAIM_TASKS, [types, freeSlots, replicaId, leaseMs]);
  }

  /** Returns the held attempts that are still ours, and whether a stop was asked for each. */
  renewLeases(held: HeldAttempt[], leaseMs: number): Promise<{ id: string; stopRequested: boolean }[]> {
    return this.prepared('renew_leases', SQL.RENEW_LEASES, [
      held.map((attempt) => attempt.id),
      held.map((attempt) => attempt.workerId),
      held.map((attempt) => attempt.attempt),
      leaseMs,
    ]);
  }

  /**
   * Completes many attempts in one statement. Returns the tasks as written; an attempt missing from the
   * result was no longer held by its worker (fenced off) and wrote nothing.
   */
  completeMany(completions: { held: HeldAttempt; resultJson: string }[]): Promise<Task[]> {
    return this.prepared<Task>('complete_tasks', SQL.COMPLETE_TASKS, [
      completions.map(({ held }) => held.id),
      completions.map(({ held }) => held.workerId),
      completions.map(({ held }) => held.attempt),
      completions.map(({ resultJson }) => resultJson),
    ]);
  }

  /** Each outcome write below returns the task as written, or undefined when the attempt was no longer ours. */
  async failAttempt(
    held: HeldAttempt,
    error: TaskError,
    retryDelayMs: number,
    doNotRetry = false,
  ): Promise<Task | undefined> {
    const [task] = await this.rows<Task>(SQL.FAIL_ATTEMPT, [
      held.id,
      held.workerId,
      held.attempt,
      JSON.stringify(error),
      retryDelayMs,
      doNotRetry,
    ]);
    return task;
  }

  async release(held: HeldAttempt): Promise<Task | undefined> {
    const [task] = await this.rows<Task>(SQL.RELEASE_TASK, [held.id, held.workerId, held.attempt]);
    return task;
  }

  /** Takes back up to `limit` tasks whose lease expired; returns them as they are now. */
  rescueExpiredLeases(limit: number): Promise<Task[]> {
    return this.rows<Task>(SQL.RESCUE_EXPIRED_LEASES, [limit]);
  }

  /** Deletes up to `limit` tasks finished more than `retentionMs` ago; returns how many. */
  async deleteExpiredHistory(retentionMs: number, limit: number): Promise<number> {
    return (await this.rows(SQL.DELETE_EXPIRED_HISTORY, [retentionMs, limit])).length;
  }

  countLive(): Promise<{ status: string; count: number }[]> {
    return this.rows(SQL.COUNT_LIVE_TASKS, []);
  }

  /** The task after the stop request, or undefined when it is unknown or already terminal. */
  async requestStop(id: string): Promise<Task | undefined> {
    const [task] = await this.rows<Task>(SQL.REQUEST_STOP, [id]);
    return task;
  }

  async get(id: string): Promise<Task | undefined> {
    const [task] = await this.rows<Task>(SQL.GET_TASK, [id]);
    return task;
  }

  list(filter: ListFilter): Promise<Task[]> {
    return this.rows<Task>(SQL.LIST_TASKS, [filter.statuses, filter.type, filter.beforeId, filter.limit]);
  }

  /**
   * Runs one of the hot statements (submit, claim, complete, heartbeat) as a named prepared statement
   * straight on the pool TypeORM manages: each connection parses and plans it once instead of per call.
   * TypeORM's query() has no named statements.
   */
  private async prepared<T>(name: string, sql: string, parameters: unknown[]): Promise<T[]> {
    const pool = (this.dataSource.driver as unknown as { master: pg.Pool }).master;
    return (await pool.query<T & pg.QueryResultRow>({ name, text: sql, values: parameters })).rows;
  }

  private async rows<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      // The structured result gives the rows of UPDATE … RETURNING too, not TypeORM's [rows, count] pair.
      const result = await runner.query(sql, parameters, true);
      return result.records as T[];
    } finally {
      await runner.release();
    }
  }
}
