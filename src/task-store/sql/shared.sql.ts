// The pieces the statements share: channels, the Task columns, how a statement announces what it changed, how a failed attempt is recorded and where it leaves its task.

/**
 * Every SQL statement on the tasks table, named and explained. Only TaskRepository runs them.
 *
 * Notification channels (a NOTIFY is delivered at commit; it is a hint that lowers latency, the table
 * stays the truth, and pollers and heartbeats re-read it):
 *   task_events  payload: "<status>:<id>,<id>,…"  these tasks changed and are now in that status. Idle
 *                workers wake on `queued`, a waiting DELETE ends on a terminal status, and the
 *                dashboard's event stream shows them. One notification per status (up to EVENT_IDS ids
 *                each), never one per row. PostgreSQL serialises the commits of transactions that
 *                notify (a database-wide lock held through the WAL flush), so the hot statements, claim
 *                and finish, do not notify: TaskChangeAnnouncer sends what they changed a moment later,
 *                in a transaction of its own (ANNOUNCE_CHANGES). Only what someone waits for is
 *                announced by the statement itself: new tasks (idle workers) and stops.
 *   task_stop    payload: task id                 a stop was asked for a running task; its holder aborts it
 */
export const CHANNELS = { events: 'task_events', stop: 'task_stop' } as const;

/** Ids per task_events notification: 300 ids of up to 19 digits stay under PostgreSQL's 8,000-byte payload limit. */
export const EVENT_IDS = 300;

/** A task without its payload and result (which can be large): what lists of changes need. */
export const TASK_SUMMARY_COLUMNS = `
  t.id, t.type, t.queue, t.key, t.concurrency_key AS "concurrencyKey", t.status, t.priority, t.run_at AS "runAt", t.attempt,
  t.max_attempts AS "maxAttempts", t.timeout_ms AS "timeoutMs", t.error, t.progress,
  t.cancel_requested_at AS "cancelRequestedAt", t.worker_id AS "workerId", t.created_at AS "createdAt",
  t.started_at AS "startedAt", t.finished_at AS "finishedAt"`;

/** The Task shape, straight from a row aliased `t`: camelCase names, so no mapping code is needed. */
export const TASK_COLUMNS = `${TASK_SUMMARY_COLUMNS}, t.payload, t.result`;

/**
 * What an outcome write returns of each task (WrittenOutcome): what its "task result" log line, its metrics,
 * its trace and task_attempts need, and no more. A drain writes thousands of outcomes a second: the rest of
 * the row (payload, dates, progress) would be sent and parsed only to be dropped.
 */
export const OUTCOME_COLUMNS = `
  t.id, t.type, t.status, t.attempt, t.max_attempts AS "maxAttempts", t.worker_id AS "workerId",
  t.run_at AS "runAt", t.started_at AS "startedAt", t.error, t.result`;

/**
 * The submitting request's id (`requestId`), beside TASK_COLUMNS where a task's log lines are written:
 * the claim, the stop and lease recovery. Not part of the Task the API shows.
 */
export const REQUEST_ID_COLUMN = `t.request_id AS "requestId"`;

/**
 * A Task with the trace it belongs to (TracedTask): what a claim and a stop return, so that the attempt's
 * and the stop's spans find the task's trace in the same statement.
 */
export const TRACED_TASK_COLUMNS = `${TASK_COLUMNS}, t.trace_context AS "traceContext"`;

/**
 * The end of a statement whose CTE `changed` holds the rows it wrote: announce those that match
 * `which` on task_events, grouped by status, and return them all. The cross join with the count makes
 * PostgreSQL run `announced` (a CTE nobody reads is never run).
 */
export const returnAndAnnounce = (which = 'true'): string => `
  , announced AS (
    SELECT pg_notify('${CHANNELS.events}', status || ':' || string_agg(id::text, ',' ORDER BY id))
    FROM (SELECT id, status, (row_number() OVER (PARTITION BY status ORDER BY id) - 1) / ${EVENT_IDS} AS chunk
          FROM changed WHERE ${which}) AS numbered
    GROUP BY status, chunk
  )
  SELECT changed.* FROM changed CROSS JOIN (SELECT count(*) FROM announced) AS sent`;

export const RETURN_AND_ANNOUNCE = returnAndAnnounce();

/**
 * A CTE that makes the statement's own (implicit) transaction commit without waiting for the WAL flush,
 * when `when` holds: for writes whose loss in a PostgreSQL crash can only return tasks to the queue (a
 * start from the buffer, a claim ahead), never for one that a caller is told is done. Every later commit
 * that does wait, such as the attempt's outcome, flushes it too: WAL is written in order. `set_config`
 * with is_local reverts at the transaction's end, so the pooled connection keeps its setting.
 * docs/design.md, "Claiming ahead", has what a crash does.
 */
export const commitWithoutFlushWhen = (when: string): string => `
  commit_without_flush AS (
    SELECT set_config('synchronous_commit', CASE WHEN ${when} THEN 'off' ELSE current_setting('synchronous_commit') END, true)
  )`;

/**
 * When the handler of a task started from a claim buffer started: `ms`, its replica's clock in ms since
 * the epoch (the replica alone knows; its own starts keep their order to the microsecond), kept between
 * the task's creation and `latest` so that another machine's clock skew cannot put the start before the
 * task existed or after what the statement writes next.
 */
export const handlerStartedAt = (ms: string, latest: string): string =>
  `LEAST(${latest}, GREATEST(t.created_at, to_timestamp(${ms} / 1000.0)))`;

/** Send task_events notifications prepared by TaskChangeAnnouncer, in one round trip. $1 payloads. */
export const ANNOUNCE_CHANGES = `SELECT pg_notify('${CHANNELS.events}', payload) FROM unnest($1::text[]) AS payload`;

/** The error a task gets when it ends because someone stopped it. */
export const STOPPED_ERROR = `'{"message": "stopped on request"}'::jsonb`;

/**
 * Keep the attempts that just ended without success in task_attempts (an attempt that succeeded needs no
 * row: the task says it). `changed` holds the tasks as written, still naming the attempt's worker and
 * start; `ended` is a FROM clause on it that picks the rows whose attempt failed or was stopped.
 */
export const recordAttempts = (ended: string): string => `
  INSERT INTO task_attempts (task_id, attempt, worker_id, status, error, started_at, finished_at)
  SELECT changed.id, changed.attempt, changed."workerId",
         CASE WHEN changed.status = 'cancelled' THEN 'cancelled' ELSE 'failed' END, changed.error,
         changed."startedAt", now()
  FROM ${ended}`;

/**
 * Where a failed attempt leaves its task: `cancelled` if a stop was asked, `failed` once the attempts are
 * used up (or when `giveUp` holds), else `queued` again. `attempt`: the number of the attempt that failed
 * (the row's, unless the statement also writes its start). Written inline (not in a sub-select) so that it
 * reads the row version the UPDATE locked, and a stop asked a moment earlier is never missed.
 */
export const failedAttemptOutcome = (giveUp: string, attempt = 't.attempt'): string => `
  CASE WHEN t.cancel_requested_at IS NOT NULL THEN 'cancelled'
       WHEN ${attempt} >= t.max_attempts OR ${giveUp} THEN 'failed'
       ELSE 'queued' END`;
