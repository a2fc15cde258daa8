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
const TASK_SUMMARY_COLUMNS = `
  t.id, t.type, t.queue, t.key, t.status, t.priority, t.run_at AS "runAt", t.attempt,
  t.max_attempts AS "maxAttempts", t.timeout_ms AS "timeoutMs", t.error, t.progress,
  t.cancel_requested_at AS "cancelRequestedAt", t.worker_id AS "workerId", t.created_at AS "createdAt",
  t.started_at AS "startedAt", t.finished_at AS "finishedAt"`;

/** The Task shape, straight from a row aliased `t`: camelCase names, so no mapping code is needed. */
const TASK_COLUMNS = `${TASK_SUMMARY_COLUMNS}, t.payload, t.result`;

/**
 * The end of a statement whose CTE `changed` holds the rows it wrote: announce those that match
 * `which` on task_events, grouped by status, and return them all. The cross join with the count makes
 * PostgreSQL run `announced` (a CTE nobody reads is never run).
 */
const returnAndAnnounce = (which = 'true'): string => `
  , announced AS (
    SELECT pg_notify('${CHANNELS.events}', status || ':' || string_agg(id::text, ',' ORDER BY id))
    FROM (SELECT id, status, (row_number() OVER (PARTITION BY status ORDER BY id) - 1) / ${EVENT_IDS} AS chunk
          FROM changed WHERE ${which}) AS numbered
    GROUP BY status, chunk
  )
  SELECT changed.* FROM changed CROSS JOIN (SELECT count(*) FROM announced) AS sent`;
const RETURN_AND_ANNOUNCE = returnAndAnnounce();

/** Send task_events notifications prepared by TaskChangeAnnouncer, in one round trip. $1 payloads. */
export const ANNOUNCE_CHANGES = `SELECT pg_notify('${CHANNELS.events}', payload) FROM unnest($1::text[]) AS payload`;

/** The error a task gets when it ends because someone stopped it. */
const STOPPED_ERROR = `'{"message": "stopped on request"}'::jsonb`;

/**
 * Insert tasks given as parallel arrays, in array order (ids ascend with it, which is what FIFO means),
 * and announce them (which wakes idle workers). A task whose idempotency key a live task holds is not
 * inserted and not returned: the unique index settles races between replicas, and ON CONFLICT waits
 * for a concurrent insert of the same key to commit or roll back. The caller then reads the task that
 * holds it.
 * $1 types, $2 payloads, $3 priorities, $4 run-at instants (null: now), $5 max attempts, $6 timeouts,
 * $7 queues, $8 idempotency keys (null: none).
 */
export const INSERT_TASKS = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::jsonb[], $3::smallint[], $4::timestamptz[], $5::int[], $6::int[],
                         $7::text[], $8::text[])
      WITH ORDINALITY AS i(type, payload, priority, run_at, max_attempts, timeout_ms, queue, key, position)
  ), changed AS (
    INSERT INTO tasks AS t (type, payload, priority, run_at, max_attempts, timeout_ms, queue, key)
    SELECT type, payload, priority, COALESCE(run_at, now()), max_attempts, timeout_ms, queue, key
    FROM input ORDER BY position
    ON CONFLICT (key) WHERE key IS NOT NULL AND status IN ('queued', 'running') DO NOTHING
    RETURNING ${TASK_COLUMNS}
  )
  ${RETURN_AND_ANNOUNCE}
  ORDER BY changed.id`;

/**
 * The end of both claims: the CTE `candidates` holds the locked rows to take; each gets one of the free
 * slot numbers, which names its holder in worker_id. Not announced here (see task_events above): the
 * caller hands the claimed tasks to TaskChangeAnnouncer.
 * $2 free slot numbers, $3 replica id, $4 lease in ms.
 */
const TAKE_CANDIDATES = `
  , slotted AS (
    SELECT id, ($2::int[])[row_number() OVER (ORDER BY id)] AS slot FROM candidates
  )
  UPDATE tasks AS t
  SET status = 'running',
      attempt = t.attempt + 1,
      worker_id = $3 || '/' || slotted.slot,
      started_at = now(),
      progress = NULL, -- an earlier attempt's progress says nothing about this one
      lease_expires_at = now() + $4 * interval '1 millisecond'
  FROM slotted
  WHERE t.id = slotted.id
  RETURNING ${TASK_COLUMNS}`;

/**
 * Claim up to one task per free slot from the queues without limits: highest priority first, then
 * oldest. The CTE holds the `FOR UPDATE SKIP LOCKED` select so the planner cannot lock more rows than
 * the LIMIT, and concurrent claimers on other replicas skip rows already taken instead of waiting for
 * them. Paused queues and queues with a concurrency limit are left out (the latter are claimed by
 * CLAIM_FROM_QUEUE), read from the queues table in the statement itself, so a pause holds at once.
 * $1 task types this replica can run, $2 free slot numbers, $3 replica id, $4 lease in ms, $5 the queues
 * this replica works (null: all), $6 queues it claims one by one instead (its own limits).
 */
export const CLAIM_TASKS = `
  WITH candidates AS (
    SELECT id FROM tasks
    -- \`type || ''\` keeps the planner off the tasks_type_newest index: with stale statistics (a fresh
    -- burst of inserts) it would combine it with the claim index and sort every queued row, 10x slower
    -- than walking tasks_claim_order in order (measured: 4-6 ms against 0.45 ms per claim, 20,000 queued).
    WHERE status = 'queued' AND run_at <= now() AND (type || '') = ANY($1::text[])
      AND ($5::text[] IS NULL OR (queue || '') = ANY($5::text[])) AND (queue || '') <> ALL($6::text[])
      -- An array computed once (an InitPlan), not a join: a join made the planner sort every queued row.
      AND (queue || '') <> ALL (ARRAY(SELECT name FROM queues WHERE paused OR concurrency IS NOT NULL))
    ORDER BY priority DESC, id
    LIMIT cardinality($2::int[])
    FOR UPDATE SKIP LOCKED
  )
  ${TAKE_CANDIDATES}`;

/**
 * Serialises the claims of one queue across replicas for the rest of the transaction, so that
 * CLAIM_FROM_QUEUE's count of running tasks cannot be overtaken by another replica's claim. $1 queue.
 */
export const LOCK_QUEUE = `SELECT pg_advisory_xact_lock(hashtextextended('tasksystem.queue:' || $1, 0))`;

/**
 * Claim from one queue, as CLAIM_TASKS does, but no more than its room: nothing while it is paused, and
 * with a concurrency limit no more than the limit minus the tasks running in it on every replica. Run
 * after LOCK_QUEUE in the same transaction: the statement's snapshot then includes every other
 * replica's claim, so the limit holds under races.
 * $1 task types, $2 free slot numbers (at most this replica's own room in the queue), $3 replica id,
 * $4 lease in ms, $5 queue.
 */
export const CLAIM_FROM_QUEUE = `
  WITH room AS (
    SELECT CASE WHEN q.paused THEN 0
                WHEN q.concurrency IS NULL THEN cardinality($2::int[])
                ELSE LEAST(cardinality($2::int[]),
                           GREATEST(0, q.concurrency - (SELECT count(*) FROM tasks WHERE status = 'running' AND queue = $5)))
           END AS n
    FROM (SELECT $5::text AS name) AS wanted LEFT JOIN queues AS q ON q.name = wanted.name
  ), candidates AS (
    SELECT id FROM tasks
    WHERE status = 'queued' AND run_at <= now() AND (type || '') = ANY($1::text[]) AND queue = $5
    ORDER BY priority DESC, id
    LIMIT (SELECT n FROM room)
    FOR UPDATE SKIP LOCKED
  )
  ${TAKE_CANDIDATES}`;

/**
 * Tasks per queue and status, for GET /queues. It reads the whole table, history included (a sequential
 * scan: about a second per million tasks); it is an operator's view, not something to poll hard.
 */
export const COUNT_BY_QUEUE = `SELECT queue, status, count(*)::int AS count FROM tasks GROUP BY queue, status`;

/**
 * Renew the leases of the tasks this replica holds, and re-read their stop requests: a stop whose
 * NOTIFY was missed still arrives within one heartbeat. A held task missing from the result has been
 * taken away (its lease expired and another replica took it): its holder must stop writing to it.
 * $1 ids, $2 worker ids, $3 attempts (the fencing token), $4 lease in ms.
 */
export const RENEW_LEASES = `
  UPDATE tasks AS t
  SET lease_expires_at = now() + $4 * interval '1 millisecond'
  FROM unnest($1::bigint[], $2::text[], $3::int[]) AS held(id, worker_id, attempt)
  WHERE t.id = held.id AND t.worker_id = held.worker_id AND t.attempt = held.attempt AND t.status = 'running'
  RETURNING t.id, t.cancel_requested_at IS NOT NULL AS "stopRequested"`;

/**
 * Keep the attempts that just ended without success in task_attempts (an attempt that succeeded needs no
 * row: the task says it). `changed` holds the tasks as written, still naming the attempt's worker and
 * start; `ended` is a FROM clause on it that picks the rows whose attempt failed or was stopped.
 */
const recordAttempts = (ended: string): string => `
  INSERT INTO task_attempts (task_id, attempt, worker_id, status, error, started_at, finished_at)
  SELECT changed.id, changed.attempt, changed."workerId",
         CASE WHEN changed.status = 'cancelled' THEN 'cancelled' ELSE 'failed' END, changed.error,
         changed."startedAt", now()
  FROM ${ended}`;

/**
 * Where a failed attempt leaves its task: `cancelled` if a stop was asked, `failed` once the attempts are
 * used up (or when `giveUp` holds), else `queued` again. Written inline (not in a sub-select) so that it
 * reads the row version the UPDATE locked, and a stop asked a moment earlier is never missed.
 */
const failedAttemptOutcome = (giveUp: string): string => `
  CASE WHEN t.cancel_requested_at IS NOT NULL THEN 'cancelled'
       WHEN t.attempt >= t.max_attempts OR ${giveUp} THEN 'failed'
       ELSE 'queued' END`;

/** Where a finished attempt leaves its task: as failedAttemptOutcome, or `succeeded` when it has no error. */
const FINISHED_ATTEMPT_OUTCOME = `
  CASE WHEN t.cancel_requested_at IS NULL AND input.error IS NULL THEN 'succeeded'
       ELSE ${failedAttemptOutcome('input.give_up')} END`;

/**
 * Handlers returned or threw: write what each attempt came to. A success ends `succeeded` with its
 * result; a failure goes back to `queued` to run again after its retry delay, or ends `failed` once the
 * attempts are used up or retrying is ruled out; either ends `cancelled` if a stop was asked meanwhile (a
 * stop that was accepted always ends in `cancelled`). Many outcomes go in one statement: one commit, one
 * WAL flush for a whole batch. Only the cancelled tasks are announced here (a DELETE may be waiting for
 * them); the caller hands the rest to TaskChangeAnnouncer. Fenced: only the holder's current attempt may
 * write; a row missing from the result was no longer ours.
 * $1 ids, $2 worker ids, $3 attempts, $4 results (JSON text; null for a failure), $5 errors (JSON text;
 * null for a success), $6 retry delays in ms, $7 true: do not retry.
 */
export const FINISH_ATTEMPTS = `
  WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::jsonb[], $5::jsonb[], $6::int[], $7::boolean[])
      AS i(id, worker_id, attempt, result, error, retry_delay_ms, give_up)
  ), changed AS (
    UPDATE tasks AS t
    SET status = ${FINISHED_ATTEMPT_OUTCOME},
        result = CASE WHEN t.cancel_requested_at IS NULL THEN input.result END,
        error = CASE WHEN t.cancel_requested_at IS NULL THEN input.error ELSE ${STOPPED_ERROR} END,
        run_at = CASE WHEN ${FINISHED_ATTEMPT_OUTCOME} = 'queued'
                      THEN now() + input.retry_delay_ms * interval '1 millisecond' ELSE t.run_at END,
        finished_at = CASE WHEN ${FINISHED_ATTEMPT_OUTCOME} = 'queued' THEN NULL ELSE now() END,
        lease_expires_at = NULL
    FROM input
    WHERE t.id = input.id AND t.worker_id = input.worker_id AND t.attempt = input.attempt AND t.status = 'running'
    RETURNING ${TASK_COLUMNS}
  ), recorded AS (
    ${recordAttempts('changed JOIN input ON input.id = changed.id WHERE input.error IS NOT NULL')}
  )
  ${returnAndAnnounce("status = 'cancelled'")}`;

/**
 * Store a handler's progress report on the task it runs, fenced like FINISH_ATTEMPTS, and announce it as
 * a `running` change. $1 id, $2 worker id, $3 attempt, $4 progress (JSON text).
 */
export const SAVE_PROGRESS = `
  WITH changed AS (
    UPDATE tasks AS t
    SET progress = $4::jsonb
    WHERE t.id = $1 AND t.worker_id = $2 AND t.attempt = $3 AND t.status = 'running'
    RETURNING t.id, t.status
  )
  ${RETURN_AND_ANNOUNCE}`;

/**
 * Hand a task back at shutdown: `queued` again without counting the attempt that was cut short (or
 * `cancelled` if a stop was asked); announced, which wakes another replica to take it. Fenced like
 * FINISH_ATTEMPTS.
 * $1 id, $2 worker id, $3 attempt.
 */
export const RELEASE_TASK = `
  WITH changed AS (
    UPDATE tasks AS t
    SET status = CASE WHEN t.cancel_requested_at IS NULL THEN 'queued' ELSE 'cancelled' END,
        attempt = CASE WHEN t.cancel_requested_at IS NULL THEN t.attempt - 1 ELSE t.attempt END,
        error = CASE WHEN t.cancel_requested_at IS NULL THEN t.error ELSE ${STOPPED_ERROR} END,
        finished_at = CASE WHEN t.cancel_requested_at IS NULL THEN NULL ELSE now() END,
        lease_expires_at = NULL
    WHERE t.id = $1 AND t.worker_id = $2 AND t.attempt = $3 AND t.status = 'running'
    RETURNING ${TASK_COLUMNS}
  )
  ${RETURN_AND_ANNOUNCE}`;

/**
 * Ask a task to stop. A queued task is cancelled on the spot and will never be claimed (the claim's
 * SKIP LOCKED cannot take a row this statement holds). A running task is marked, and its holder is told
 * through task_stop; its own outcome write then turns it `cancelled`. Either change is announced on
 * task_events. No row: unknown or already terminal.
 * $1 id.
 */
export const REQUEST_STOP = `
  WITH changed AS (
    UPDATE tasks AS t
    SET status = CASE WHEN t.status = 'queued' THEN 'cancelled' ELSE t.status END,
        error = CASE WHEN t.status = 'queued' THEN '{"message": "stopped on request before it started"}'::jsonb
                     ELSE t.error END,
        finished_at = CASE WHEN t.status = 'queued' THEN now() ELSE t.finished_at END,
        cancel_requested_at = COALESCE(t.cancel_requested_at, now())
    WHERE t.id = $1 AND t.status IN ('queued', 'running')
    RETURNING ${TASK_COLUMNS}
  ), told AS (
    SELECT pg_notify('${CHANNELS.stop}', id::text) FROM changed WHERE status = 'running'
  )
  ${RETURN_AND_ANNOUNCE}
  CROSS JOIN (SELECT count(*) FROM told) AS told_holder`;

/**
 * For each of these idempotency keys, the newest task that holds it: a live one, or one that finished
 * less than $2 ms ago. $1 keys, $2 window in ms (0: live tasks only).
 */
export const GET_TASKS_BY_KEY = `
  SELECT DISTINCT ON (t.key) ${TASK_COLUMNS} FROM tasks AS t
  WHERE t.key = ANY($1::text[])
    AND (t.status IN ('queued', 'running') OR t.finished_at > now() - $2 * interval '1 millisecond')
  ORDER BY t.key, t.id DESC`;

/**
 * Put a failed or cancelled task back to `queued`, to run now with a fresh count of attempts. Its last
 * attempt goes to task_attempts first if it is not there yet (one that was stopped after it returned),
 * since the reset clears it from the task. No row: unknown, or not failed or cancelled. A live task that
 * took the same idempotency key meanwhile makes this fail on tasks_live_key_unique.
 * $1 id.
 */
export const RETRY_TASK = `
  WITH archived AS (
    INSERT INTO task_attempts (task_id, attempt, worker_id, status, error, started_at, finished_at)
    SELECT t.id, t.attempt, t.worker_id, t.status, t.error, t.started_at, t.finished_at
    FROM tasks AS t
    WHERE t.id = $1 AND t.status IN ('failed', 'cancelled') AND t.started_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM task_attempts AS a WHERE a.task_id = t.id AND a.started_at = t.started_at)
  ), changed AS (
    UPDATE tasks AS t
    SET status = 'queued', attempt = 0, run_at = now(), result = NULL, error = NULL, progress = NULL,
        cancel_requested_at = NULL, worker_id = NULL, started_at = NULL, finished_at = NULL
    WHERE t.id = $1 AND t.status IN ('failed', 'cancelled')
    RETURNING ${TASK_COLUMNS}
  )
  ${RETURN_AND_ANNOUNCE}`;

/**
 * A task's attempts, oldest first: those kept in task_attempts, then the task's current one if it is
 * not among them (running, or ended without a row: succeeded, or stopped after it returned).
 * $1 task id.
 */
export const LIST_ATTEMPTS = `
  SELECT attempt, worker_id AS "workerId", status, error, started_at AS "startedAt", finished_at AS "finishedAt"
  FROM (
    SELECT a.id AS position, a.attempt, a.worker_id, a.status, a.error, a.started_at, a.finished_at
    FROM task_attempts AS a WHERE a.task_id = $1
    UNION ALL
    SELECT NULL, t.attempt, t.worker_id, t.status,
           CASE WHEN t.status = 'running' THEN NULL ELSE t.error END, t.started_at, t.finished_at
    FROM tasks AS t
    WHERE t.id = $1 AND t.started_at IS NOT NULL AND t.status IN ('running', 'succeeded', 'failed', 'cancelled')
      AND NOT EXISTS (SELECT 1 FROM task_attempts AS a WHERE a.task_id = t.id AND a.started_at = t.started_at)
  ) AS attempts
  ORDER BY position NULLS LAST`;

/** One task by id. $1 id. */
export const GET_TASK = `SELECT ${TASK_COLUMNS} FROM tasks AS t WHERE t.id = $1`;

/** The tasks with these ids (those that still exist), without payload or result: what the event stream shows. $1 ids. */
export const GET_TASK_SUMMARIES = `
  SELECT ${TASK_SUMMARY_COLUMNS} FROM tasks AS t WHERE t.id = ANY($1::bigint[]) ORDER BY t.id`;

/**
 * How many tasks are in each status, for the dashboard. An index-only scan of tasks_status_newest: it
 * reads the whole history, so the event stream runs it at most every few seconds per replica.
 */
export const COUNT_BY_STATUS = `SELECT status, count(*)::int AS count FROM tasks GROUP BY status`;

/**
 * A page of tasks, newest first. The cursor is the id of the last task of the previous page.
 * Null parameters mean "no filter". $1 statuses, $2 type, $3 cursor, $4 page size, $5 queue.
 */
export const LIST_TASKS = `
  SELECT ${TASK_COLUMNS} FROM tasks AS t
  WHERE ($1::text[] IS NULL OR t.status = ANY($1::text[]))
    AND ($2::text IS NULL OR t.type = $2::text)
    AND ($5::text IS NULL OR t.queue = $5::text)
    AND ($3::bigint IS NULL OR t.id < $3::bigint)
  ORDER BY t.id DESC
  LIMIT $4`;

/**
 * Take back tasks whose holder stopped renewing its lease (killed, frozen, cut off): the attempt it had
 * counts as failed, so each goes back to `queued` (at once, no backoff), or `cancelled` if a stop was
 * asked, or `failed` once its attempts are used up. Safe on every replica at once: SKIP LOCKED lets each
 * take different rows. The old holder, if it wakes up, finds its attempt fenced off.
 * $1 how many at most.
 */
const LEASE_OUTCOME = failedAttemptOutcome('false');
export const RESCUE_EXPIRED_LEASES = `
  WITH expired AS (
    SELECT id FROM tasks
    WHERE status = 'running' AND lease_expires_at < now()
    ORDER BY lease_expires_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
  ), changed AS (
    UPDATE tasks AS t
    SET status = ${LEASE_OUTCOME},
        error = CASE WHEN t.cancel_requested_at IS NULL
                     THEN jsonb_build_object('message', 'its worker ' || t.worker_id || ' stopped renewing its lease')
                     ELSE ${STOPPED_ERROR} END,
        finished_at = CASE WHEN ${LEASE_OUTCOME} = 'queued' THEN NULL ELSE now() END,
        lease_expires_at = NULL
    FROM expired
    WHERE t.id = expired.id
    RETURNING ${TASK_COLUMNS}
  ), recorded AS (
    ${recordAttempts('changed')}
  )
  ${RETURN_AND_ANNOUNCE}`;

/**
 * Delete up to $2 tasks in statuses $3 that finished more than $1 ms ago, oldest first. Small batches
 * keep each transaction short; SKIP LOCKED lets every replica's retention job run at once without
 * waiting. Their attempts go with them (ON DELETE CASCADE).
 * $1 retention in ms, $2 batch size, $3 terminal statuses.
 */
export const DELETE_EXPIRED_HISTORY = `
  DELETE FROM tasks
  WHERE id IN (
    SELECT id FROM tasks
    WHERE status IN ('succeeded', 'failed', 'cancelled') AND status = ANY($3::text[])
      AND finished_at < now() - $1 * interval '1 millisecond'
    ORDER BY finished_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  )
  RETURNING id`;

/**
 * How many tasks wait and run, for the metrics. Only the live statuses: their partial indexes keep this
 * cheap however long the history is, where counting finished rows would read all of it.
 */
export const COUNT_LIVE_TASKS = `
  SELECT 'queued' AS status, count(*)::int AS count FROM tasks WHERE status = 'queued'
  UNION ALL
  SELECT 'running', count(*)::int FROM tasks WHERE status = 'running'`;
