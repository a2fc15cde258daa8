import { Injectable } from '@nestjs/common';
import type {
  TracedTask,
  NewTask,
  Task,
  TaskAttempt,
  TaskProgress,
  TaskStatus,
  TaskSummary,
  WaitingReason,
} from './task.js';
import { TaskChangeAnnouncer } from './task-change-announcer.js';
import { Database } from '../database/database.js';
import type { Transaction } from '../database/database.js';
import * as SQL from './task.sql.js';
import { withWaiting } from './waiting.js';
import type { WaitingFacts } from './waiting.js';

/** Identifies one attempt of one task by its holder: the fencing token of every outcome write. */
export interface HeldAttempt {
  id: string;
  workerId: string;
  attempt: number;
}

/**
 * What a claim asks for: tasks of these types, one per free slot, held by this replica for a lease, and
 * `ahead` more (queues without limits only) into its buffer, held as long under the mark `buffering`
 * (`<replica id>#<claim number>`, unique to this claim: see bufferSlotted in claim.sql.ts).
 */
export interface Claim {
  types: string[];
  freeSlots: number[];
  ahead: number;
  replicaId: string;
  leaseMs: number;
  buffering: string;
  /** Task ids not to claim: attempts of them still run here after the database let them go. */
  leftOut: string[];
}

/** What a claim came to: tasks now running here, and tasks now in the buffer. */
export interface Claimed {
  started: ClaimedTask[];
  buffered: BufferedClaim[];
}

/**
 * A task a claim buffered, with the mark of that buffering (`buffered_by`): every write that starts it or
 * takes it out of the buffer names that mark, and changes nothing once the task is no longer in it.
 */
export type BufferedClaim = ClaimedTask & { buffering: string };

/** A buffered task as the writes that take it out of its buffer name it. */
export type InBuffering = Pick<BufferedClaim, 'id' | 'buffering'>;

/**
 * A task with its trace and the id of the request that submitted it (null: none), which its spans and log
 * lines name: as claimed (RunningAttempt takes both off before the handler sees the task), stopped, or
 * taken back by lease recovery. Neither is shown by the API.
 */
export type ClaimedTask = TracedTask & { requestId: string | null };

/** A submitted task as stored: new, or (`created` false) the task that already held its idempotency key. */
export interface StoredTask {
  task: Task;
  created: boolean;
}

/**
 * What one attempt came to, ready to store: a result (JSON text), or an error (JSON text) with the delay
 * before a retry, or `doNotRetry` to rule one out. `startedFrom`: the attempt began in a claim buffer and
 * its start was not written yet; it is written with the outcome, dated `startedAt` (ms since the epoch,
 * this replica's clock), fenced by the mark of that buffering.
 */
/** A task as an outcome write returns it (OUTCOME_COLUMNS): enough for its log line, metrics and trace. */
export type WrittenOutcome = Pick<
  Task,
  'id' | 'type' | 'status' | 'attempt' | 'maxAttempts' | 'workerId' | 'runAt' | 'startedAt' | 'error' | 'result'
>;

export type AttemptOutcome = { held: HeldAttempt; startedFrom?: { buffering: string; startedAt: number } } & (
  { ok: true; resultJson: string } | { ok: false; errorJson: string; retryDelayMs: number; doNotRetry: boolean }
);

export interface ListFilter {
  statuses: TaskStatus[] | null;
  type: string | null;
  queue: string | null;
  /** Only queued tasks waiting for this reason. */
  waiting: WaitingReason | null;
  /** Return tasks older than this id. */
  beforeId: string | null;
  limit: number;
}

/** The only code that talks SQL to the tasks table. The statements themselves live in task.sql.ts. */
@Injectable()
export class TaskRepository {
  constructor(
    private readonly db: Database,
    private readonly announcer: TaskChangeAnnouncer,
  ) {}

  /**
   * Inserts tasks, in `tx` when given (a caller's transaction: the tasks exist if and only if it commits,
   * and idle workers are woken at its commit). A keyed task whose key a live task holds is left out.
   */
  insert(tasks: NewTask[], tx?: Transaction): Promise<Task[]> {
    return this.db.rows<Task>(SQL.INSERT_TASKS, insertParameters(tasks), { tx, name: 'insert_tasks' });
  }

  /**
   * Inserts tasks of which some carry idempotency keys, in transaction `tx`: each keyed task whose key is
   * held (by a live task, or one that finished less than `windowMs` ago) comes back as the task that
   * holds it, with `created` false.
   */
  async insertWithKeys(tasks: NewTask[], windowMs: number, tx: Transaction): Promise<StoredTask[]> {
    const keys = [...new Set(tasks.flatMap((task) => (task.key === null ? [] : [task.key])))];
    const held = await this.db.rows<Task>(SQL.GET_TASKS_BY_KEY, [keys, windowMs], { tx });
    const heldKeys = new Set(held.map((task) => task.key));
    const fresh = tasks.filter((task) => task.key === null || !heldKeys.has(task.key));
    const inserted = fresh.length === 0 ? [] : await this.insert(fresh, tx);
    // Keys a concurrent submission took between the read and the insert. A new statement has a new
    // snapshot, so it sees that task; it was live a moment ago, hence the day-long window.
    const insertedKeys = new Set(inserted.map((task) => task.key));
    const raced = keys.filter((key) => !heldKeys.has(key) && !insertedKeys.has(key));
    const racedHolders =
      raced.length === 0 ? [] : await this.db.rows<Task>(SQL.GET_TASKS_BY_KEY, [raced, 86_400_000], { tx });
    return matchToInput(tasks, inserted, [...held, ...racedHolders]);
  }

  /**
   * Claims up to one task per free slot, and `claim.ahead` more into the buffer, from the queues without
   * limits (`queues` null: all of them), leaving out `ownLimitQueues`, which are claimed one by one.
   */
  async claim(claim: Claim, queues: string[] | null, ownLimitQueues: string[]): Promise<Claimed> {
    const claimed = await this.db.rows<ClaimedTask>(
      SQL.CLAIM_TASKS,
      [
        claim.types,
        claim.freeSlots,
        claim.replicaId,
        claim.leaseMs,
        queues,
        ownLimitQueues,
        claim.ahead,
        claim.buffering,
        claim.leftOut,
      ],
      { name: 'claim_tasks' },
    );
    const started = claimed.filter((task) => task.status === 'running');
    this.announcer.changed(started);
    const buffered = claimed.filter((task) => task.status === 'queued');
    return { started, buffered: buffered.map((task) => ({ ...task, buffering: claim.buffering })) };
  }

  /**
   * Records that buffered tasks started (their handlers already run): each in its slot, at `startedAt`
   * (ms since the epoch), out of the buffering it names. Returns those that were still in it, with whether
   * a stop was asked for each.
   */
  async recordStarts(
    starts: (InBuffering & { slot: number; attempt: number; startedAt: number })[],
    replicaId: string,
    leaseMs: number,
  ): Promise<{ id: string; stopRequested: boolean }[]> {
    const recorded = await this.db.rows<{ id: string; stopRequested: boolean }>(
      SQL.RECORD_STARTS,
      [
        starts.map((start) => start.id),
        replicaId,
        starts.map((start) => start.slot),
        starts.map((start) => start.startedAt),
        leaseMs,
        starts.map((start) => start.attempt),
        starts.map((start) => start.buffering),
      ],
      { name: 'record_starts' },
    );
    this.announcer.changed(recorded.map(({ id }) => ({ id, status: 'running' as const })));
    return recorded;
  }

  /**
   * Takes tasks out of the bufferings they name without starting them: cancelled if a stop was asked, else
   * back in the queue. Returns them as they are now (those no longer in that buffering are left out).
   */
  leaveBuffer(tasks: InBuffering[]): Promise<ClaimedTask[]> {
    return this.rows<ClaimedTask>(SQL.LEAVE_BUFFERED, [
      tasks.map((task) => task.id),
      tasks.map((task) => task.buffering),
    ]);
  }

  /** Takes back up to `limit` buffered tasks whose buffer's deadline passed; returns them. */
  rescueExpiredBuffers(limit: number): Promise<ClaimedTask[]> {
    return this.rows<ClaimedTask>(SQL.RESCUE_EXPIRED_BUFFERS, [limit]);
  }

  /**
   * Claims from one queue within its room: nothing while paused, and no more than its cluster-wide
   * limit allows, which one lock per queue, held until `tx` ends, keeps true while replicas claim at the
   * same time.
   */
  async claimFromQueue(claim: Claim, queue: string, tx: Transaction): Promise<ClaimedTask[]> {
    await this.db.rows(SQL.LOCK_QUEUE, [queue], { tx });
    const claimed = await this.db.rows<ClaimedTask>(
      SQL.CLAIM_FROM_QUEUE,
      [claim.types, claim.freeSlots, claim.replicaId, claim.leaseMs, queue, claim.leftOut],
      { tx },
    );
    this.announcer.changed(claimed);
    return claimed;
  }

  /**
   * After a claim from rate-limited `queue` left slots empty: in how many ms its window lets one more task
   * start, or null when its rate limit is not what held the claim back.
   */
  async nextRateWindow(queue: string, tx: Transaction): Promise<number | null> {
    const [next] = await this.db.rows<{ inMs: number }>(SQL.NEXT_RATE_WINDOW, [queue], { tx });
    return next?.inMs ?? null;
  }

  countByQueue(): Promise<{ queue: string; status: TaskStatus; count: number }[]> {
    return this.rows(SQL.COUNT_BY_QUEUE, []);
  }

  /** Returns the held attempts that are still ours, and whether a stop was asked for each. */
  renewLeases(held: HeldAttempt[], leaseMs: number): Promise<{ id: string; stopRequested: boolean }[]> {
    return this.db.rows(
      SQL.RENEW_LEASES,
      [
        held.map((attempt) => attempt.id),
        held.map((attempt) => attempt.workerId),
        held.map((attempt) => attempt.attempt),
        leaseMs,
      ],
      { name: 'renew_leases' },
    );
  }

  /**
   * Writes many attempts' outcomes in one statement. Returns the tasks as written (WrittenOutcome); an
   * attempt missing from the result was no longer held by its worker (fenced off) and wrote nothing.
   */
  async finishMany(outcomes: AttemptOutcome[]): Promise<WrittenOutcome[]> {
    const written = await this.db.rows<WrittenOutcome>(
      SQL.FINISH_ATTEMPTS,
      [
        outcomes.map(({ held }) => held.id),
        outcomes.map(({ held }) => held.workerId),
        outcomes.map(({ held }) => held.attempt),
        outcomes.map((outcome) => (outcome.ok ? outcome.resultJson : null)),
        nullWhenAllNull(outcomes.map((outcome) => (outcome.ok ? null : outcome.errorJson))),
        nullWhenAllNull(outcomes.map((outcome) => (outcome.ok ? null : outcome.retryDelayMs))),
        nullWhenAllNull(outcomes.map((outcome) => (outcome.ok ? null : outcome.doNotRetry))),
        nullWhenAllNull(outcomes.map(({ startedFrom }) => startedFrom?.startedAt ?? null)),
        nullWhenAllNull(outcomes.map(({ startedFrom }) => startedFrom?.buffering ?? null)),
      ],
      { name: 'finish_attempts' },
    );
    this.announcer.changed(written.filter((task) => task.status !== 'cancelled')); // the statement announced those
    return written;
  }

  /** Stores a running attempt's progress; false when the attempt is no longer held (nothing written). */
  async saveProgress(held: HeldAttempt, progress: TaskProgress): Promise<boolean> {
    const rows = await this.rows(SQL.SAVE_PROGRESS, [held.id, held.workerId, held.attempt, JSON.stringify(progress)]);
    return rows.length > 0;
  }

  /** Each write below returns the task as written, or undefined when the attempt was no longer ours. */
  async release(held: HeldAttempt): Promise<Task | undefined> {
    const [task] = await this.rows<Task>(SQL.RELEASE_TASK, [held.id, held.workerId, held.attempt]);
    return task;
  }

  /** Takes back up to `limit` tasks whose lease expired; returns them as they are now. */
  rescueExpiredLeases(limit: number): Promise<ClaimedTask[]> {
    return this.rows<ClaimedTask>(SQL.RESCUE_EXPIRED_LEASES, [limit]);
  }

  /** Deletes up to `limit` tasks in `statuses` finished more than `retentionMs` ago; returns how many. */
  async deleteExpiredHistory(retentionMs: number, limit: number, statuses: TaskStatus[]): Promise<number> {
    return (await this.rows(SQL.DELETE_EXPIRED_HISTORY, [retentionMs, limit, statuses])).length;
  }

  countLive(): Promise<{ status: string; count: number }[]> {
    return this.rows(SQL.COUNT_LIVE_TASKS, []);
  }

  /**
   * The task after the stop request, with its trace and submitting request's id; undefined when it is
   * unknown or already terminal.
   */
  async requestStop(id: string): Promise<ClaimedTask | undefined> {
    const [task] = await this.rows<ClaimedTask & { inBuffer?: boolean }>(SQL.REQUEST_STOP, [id]);
    delete task?.inBuffer; // the statement's own business: who is told
    return task;
  }

  /** The tasks with these ids that still exist, without payload and result. */
  getSummaries(ids: string[]): Promise<TaskSummary[]> {
    return this.rows<TaskSummary>(SQL.GET_TASK_SUMMARIES, [ids]);
  }

  countByStatus(): Promise<{ status: TaskStatus; count: number }[]> {
    return this.rows(SQL.COUNT_BY_STATUS, []);
  }

  /** The task back in the queue, or undefined when it is unknown or neither failed nor cancelled. */
  async retry(id: string): Promise<Task | undefined> {
    const [task] = await this.rows<Task>(SQL.RETRY_TASK, [id]);
    return task;
  }

  attempts(taskId: string): Promise<TaskAttempt[]> {
    return this.rows<TaskAttempt>(SQL.LIST_ATTEMPTS, [taskId]);
  }

  /** The task, and when it is queued, why it waits (with its position when it is ready). */
  async get(id: string): Promise<Task | undefined> {
    const [row] = await this.rows<TaskRow>(SQL.GET_TASK, [id]);
    return row && withWaiting(row);
  }

  /** A page of tasks, the queued ones with why they wait (without position: a bounded count per task). */
  async list(filter: ListFilter): Promise<Task[]> {
    const rows = await this.rows<TaskRow>(SQL.LIST_TASKS, [
      filter.statuses,
      filter.type,
      filter.beforeId,
      filter.limit,
      filter.queue,
      filter.waiting,
    ]);
    return rows.map(withWaiting);
  }

  /** Queued tasks per queue and waiting reason; reasons no task has are left out. */
  countWaitingByQueue(): Promise<{ queue: string; reason: WaitingReason; count: number }[]> {
    return this.rows(SQL.COUNT_WAITING_BY_QUEUE, []);
  }

  private rows<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    return this.db.rows<T>(sql, parameters);
  }
}

/** A task as GET_TASK and LIST_TASKS read it: with the figures of why it waits (null unless queued). */
type TaskRow = Omit<Task, 'waiting'> & { waiting: WaitingFacts | null };

/** INSERT_TASKS's parameters: the tasks as parallel arrays. */
function insertParameters(tasks: NewTask[]): unknown[] {
  return [
    tasks.map((task) => task.type),
    // node-postgres would turn a JS array into a Postgres array, so every payload travels as JSON text.
    tasks.map((task) => JSON.stringify(task.payload)),
    tasks.map((task) => task.priority),
    tasks.map((task) => task.runAt),
    tasks.map((task) => task.maxAttempts),
    tasks.map((task) => task.timeoutMs),
    tasks.map((task) => task.queue),
    tasks.map((task) => task.key),
    tasks.map((task) => task.requestId),
    tasks.map((task) => (task.traceContext ? JSON.stringify(task.traceContext) : null)),
    tasks.map((task) => task.concurrencyKey),
  ];
}

/**
 * Pairs each submitted task with what was stored for it: an inserted row (ids ascend in submission
 * order) or, for a key that was taken, the task holding it. A key given twice in one submission is
 * created by its first occurrence. Throws if a taken key's task has vanished meanwhile (pruned).
 */
function matchToInput(tasks: NewTask[], inserted: Task[], existing: Task[]): StoredTask[] {
  const unkeyed = inserted.filter((task) => task.key === null).sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  const byKey = new Map<string, StoredTask>();
  for (const task of inserted) if (task.key !== null) byKey.set(task.key, { task, created: true });
  for (const task of existing) if (task.key !== null) byKey.set(task.key, { task, created: false });
  let nextUnkeyed = 0;
  return tasks.map((task) => {
    if (task.key === null) return { task: unkeyed[nextUnkeyed++], created: true };
    const stored = byKey.get(task.key);
    if (!stored) throw new Error(`the task holding idempotency key "${task.key}" disappeared; retry`);
    byKey.set(task.key, { task: stored.task, created: false });
    return stored;
  });
}

/**
 * An array parameter of a multi-array `unnest` that holds only nulls, sent as NULL instead: unnest pads the
 * shorter arrays with nulls, so the rows are the same, and a batch of 500 successes is not sent (and escaped
 * element by element) five columns of nulls.
 */
function nullWhenAllNull<T>(values: (T | null)[]): (T | null)[] | null {
  return values.every((value) => value === null) ? null : values;
}
