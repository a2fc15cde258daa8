import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.js';
import type { Task } from '../task-store/task.js';
import { TaskRepository } from '../task-store/task.repository.js';
import type { OverlapPolicy, Schedule, ScheduleDefinition, ScheduledTask } from './schedule.js';
import * as SQL from './schedules.sql.js';

/** A due schedule, claimed (locked) by the transaction that will advance it. */
export interface DueSchedule {
  name: string;
  cron: string;
  timezone: string;
  task: ScheduledTask;
  overlap: OverlapPolicy;
  nextRunAt: Date;
  lastTaskId: string | null;
  /** The task of its previous occurrence is still queued or running. */
  previousActive: boolean;
  /** The database's clock at the claim: what decided that it is due. */
  now: Date;
}

/** What the claim's transaction can do with the schedules it claimed. */
export interface ClaimedSchedules {
  due: DueSchedule[];
  /**
   * Submits one occurrence's task under its key; undefined when a live task already holds the key. If it
   * throws, the transaction is as it was before the call, and can go on.
   */
  submit(task: ScheduledTask, key: string): Promise<Task | undefined>;
  /** Moves a schedule to its next run, recording the occurrence submitted and its task (null: none submitted). */
  advance(name: string, nextRunAt: Date, submitted: { occurrence: Date; taskId: string | null } | null): Promise<void>;
}

/** A declaration with its first run worked out, ready to store. */
export type StoredDefinition = ScheduleDefinition & { nextRunAt: Date };

/** The only code that talks SQL to the schedules table. The statements live in schedules.sql.ts. */
@Injectable()
export class SchedulesRepository {
  constructor(
    private readonly db: Database,
    private readonly tasks: TaskRepository,
  ) {}

  list(): Promise<Schedule[]> {
    return this.rows<Schedule>(SQL.LIST_SCHEDULES, []);
  }

  async get(name: string): Promise<Schedule | undefined> {
    const [schedule] = await this.rows<Schedule>(SQL.GET_SCHEDULE, [name]);
    return schedule;
  }

  /** The new schedule, or undefined when the name is taken. */
  async insert(definition: StoredDefinition): Promise<Schedule | undefined> {
    const [schedule] = await this.rows<Schedule>(SQL.INSERT_SCHEDULE, definitionParameters(definition));
    return schedule;
  }

  /** The schedule as changed, or undefined when there is none of that name. A null next run keeps the stored one. */
  async update(definition: ScheduleDefinition & { nextRunAt: Date | null }): Promise<Schedule | undefined> {
    const [schedule] = await this.rows<Schedule>(SQL.UPDATE_SCHEDULE, definitionParameters(definition));
    return schedule;
  }

  /** The deleted schedule, or undefined when there is no schedule of that name declared over the API. */
  async delete(name: string): Promise<Schedule | undefined> {
    const [schedule] = await this.rows<Schedule>(SQL.DELETE_SCHEDULE, [name]);
    return schedule;
  }

  /**
   * Makes the schedules declared in code the stored ones, in one transaction: upserts them, and deletes the
   * code-declared schedules that are no longer declared. Returns the names inserted, updated and deleted.
   */
  async replaceCodeSchedules(
    definitions: StoredDefinition[],
  ): Promise<{ inserted: string[]; updated: string[]; deleted: string[] }> {
    return this.db.transaction(async (tx) => {
      const upserted = await this.db.rows<{ name: string; inserted: boolean }>(
        SQL.UPSERT_CODE_SCHEDULES,
        [
          definitions.map((d) => d.name),
          definitions.map((d) => d.cron),
          definitions.map((d) => d.timezone),
          definitions.map((d) => JSON.stringify(d.task)),
          definitions.map((d) => d.overlap),
          definitions.map((d) => d.paused),
          definitions.map((d) => d.nextRunAt),
        ],
        { tx },
      );
      const deleted = await this.db.rows<{ name: string }>(
        SQL.DELETE_UNDECLARED_CODE_SCHEDULES,
        [definitions.map((d) => d.name)],
        { tx },
      );
      return {
        inserted: upserted.filter((row) => row.inserted).map((row) => row.name),
        updated: upserted.filter((row) => !row.inserted).map((row) => row.name),
        deleted: deleted.map((row) => row.name),
      };
    });
  }

  /**
   * Claims up to `limit` due schedules and hands them to `work` inside one transaction on one connection:
   * the tasks `work` submits and the schedules it advances commit together, or (if it throws) not at all.
   * So an occurrence's task exists if and only if its schedule's move past that occurrence committed.
   */
  claimDue<T>(limit: number, work: (claimed: ClaimedSchedules) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      const due = await this.db.rows<DueSchedule>(SQL.CLAIM_DUE_SCHEDULES, [limit], { tx });
      return work({
        due,
        submit: async (task, key) => {
          // A savepoint, so that a task that cannot be stored fails alone, not every schedule of the claim.
          await this.db.rows(SQL.BEFORE_SUBMIT, [], { tx });
          try {
            // An occurrence is submitted by the clock, not by a request.
            const [inserted] = await this.tasks.insert([{ ...task, key, runAt: null, requestId: null }], tx);
            await this.db.rows(SQL.AFTER_SUBMIT, [], { tx });
            return inserted;
          } catch (error) {
            await this.db.rows(SQL.UNDO_SUBMIT, [], { tx });
            throw error;
          }
        },
        advance: async (name, nextRunAt, submitted) => {
          await this.db.rows(
            SQL.ADVANCE_SCHEDULE,
            [name, nextRunAt, submitted?.occurrence ?? null, submitted?.taskId ?? null],
            { tx },
          );
        },
      });
    });
  }

  /** Milliseconds until the earliest next run by the database's clock (0 if one is due); null: none scheduled. */
  async msUntilNextDue(): Promise<number | null> {
    const [row] = await this.rows<{ ms: number | null }>(SQL.MS_UNTIL_NEXT_DUE, []);
    return row?.ms ?? null;
  }

  private rows<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    return this.db.rows<T>(sql, parameters);
  }
}

function definitionParameters(definition: ScheduleDefinition & { nextRunAt: Date | null }): unknown[] {
  return [
    definition.name,
    definition.cron,
    definition.timezone,
    JSON.stringify(definition.task),
    definition.overlap,
    definition.paused,
    definition.nextRunAt,
  ];
}
