/**
 * Every SQL statement on the tasks table, named and explained. Only TaskQueueRepository runs them.
 *
 * Notification channels (a NOTIFY is delivered at commit; it is a hint that lowers latency, the table
 * stays the truth, and pollers and heartbeats re-read it):
 *   task_wake  payload: queue name   a task became claimable
 *   task_stop  payload: task id      a stop was asked for a running task; its holder aborts it
 *   task_done  payload: task id      a task whose stop was asked has ended (its DELETE may be waiting)
 */
export const CHANNELS = { wake: 'task_wake', stop: 'task_stop', done: 'task_done' } as const;

/** The Task shape, straight from a row aliased `t`: camelCase names, so no mapping code is needed. */
const TASK_COLUMNS = `
  t.id, t.type, t.queue, t.key, t.payload, t.status, t.priority, t.run_at AS "runAt", t.attempt,
  t.max_attempts AS "maxAttempts", t.timeout_ms AS "timeoutMs", t.result, t.error, t.progress,
  t.cancel_requested_at AS "cancelRequestedAt", t.worker_id AS "workerId", t.created_at AS "createdAt",
  t.started_at AS "startedAt", t.finished_at AS "finishedAt"`;

/** The error a task gets when it ends because someone stopped it. */
const STOPPED_ERROR = `'{"message": "stopped on request"}'::jsonb`;

/**
 * Insert tasks given as parallel arrays, in array order (ids ascend with it, which is what FIFO means),
 * and wake the workers of their queues.
 * $1 types, $2 payloads, $3 priorities, $4 run-at instants (null: now), $5 max attempts, $6 timeouts.
 */
export const INSERT_TASKS = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::jsonb[], $3::smallint[], $4::timestamptz[], $5::int[], $6::int[])
      WITH ORDINALITY AS i(type, payload, priority, run_at, max_attempts, timeout_ms, position)
  ), inserted AS (
    INSERT INTO tasks AS t (type, payload, priority, run_at, max_attempts, timeout_ms)
    SELECT type, payload, priority, COALESCE(run_at, now()), max_attempts, timeout_ms
    FROM input ORDER BY position
    RETURNING ${TASK_COLUMNS}
  )
  SELECT inserted.* FROM inserted
  CROSS JOIN LATERAL (SELECT pg_notify('${CHANNELS.wake}', inserted.queue)) AS wake
  ORDER BY inserted.id`;

/**
 * Claim up to one task per free slot: highest priority first, then oldest. The CTE holds the
 * `FOR UPDATE SKIP LOCKED` select so the planner cannot lock more rows than the LIMIT, and concurrent
 * claimers on other replicas skip rows already taken instead of waiting for them. Each claimed task is
 * given one of the free slot numbers, which names its holder in worker_id.
 * $1 task types this replica can run, $2 free slot numbers, $3 replica id, $4 lease in ms.
 */
export const CLAIM_TASKS = `
  WITH candidates AS (
    SELECT id FROM tasks
    -- \`type || ''\` keeps the planner off the tasks_type_newest index: with stale statistics (a fresh
    -- burst of inserts) it would combine it with the claim index and sort every queued row, 10x slower
    -- than walking tasks_claim_order in order (measured: 4-6 ms against 0.45 ms per claim, 20,000 queued).
    WHERE status = 'queued' AND run_at <= now() AND (type || '') = ANY($1::text[])
    ORDER BY priority DESC, id
    LIMIT cardinality($2::int[])
    FOR UPDATE SKIP LOCKED
  ), slotted AS (
    SELECT id, ($2::int[])[row_number() OVER (ORDER BY id)] AS slot FROM candidates
  )
  UPDATE tasks AS t
  SET status = 'running',
      attempt = t.attempt + 1,
      worker_id = $3 || '/' || slotted.slot,
      started_at = now(),
      lease_expires_at = now() + $4 * interval '1 millisecond'
  FROM slotted
  WHERE t.id = slotted.id
  RETURNING ${TASK_COLUMNS}`;

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
 * Handlers returned: each task `succeeded` with its result, or `cancelled` if a stop was asked meanwhile
 * (a stop that was accepted always ends in `cancelled`). Many completions go in one statement: one
 * commit, one WAL flush, for a whole batch. Fenced: only the holder's current attempt may write; a row
 * missing from the result was no longer ours. Only a cancelled task is announced on task_done (a DELETE
 * may be waiting for it): a NOTIFY per completed task would make every commit queue for PostgreSQL's
 * notification lock, which measured as the drain's bottleneck.
 * $1 ids, $2 worker ids, $3 attempts, $4 results (JSON text).
 */
export const COMPLETE_TASKS = `
  WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::jsonb[]) AS i(id, worker_id, attempt, result)
  ), finished AS (
    UPDATE tasks AS t
    SET status = CASE WHEN t.cancel_requested_at IS NULL THEN 'succeeded' ELSE 'cancelled' END,
        result = CASE WHEN t.cancel_requested_at IS NULL THEN input.result END,
        error = CASE WHEN t.cancel_requested_at IS NULL THEN NULL ELSE ${STOPPED_ERROR} END,
        finished_at = now(),
        lease_expires_at = NULL
    FROM input
    WHERE t.id = input.id AND t.worker_id = input.worker_id AND t.attempt = input.attempt AND t.status = 'running'
    RETURNING ${TASK_COLUMNS}
  )
  SELECT finished.* FROM finished
  CROSS JOIN LATERAL (
    SELECT CASE WHEN finished.status = 'cancelled' THEN pg_notify('${CHANNELS.done}', finished.id::text) END
  ) AS done`;

/**
 * Where a failed attempt leaves its task: `cancelled` if a stop was asked, `failed` once the attempts are
 * used up (or when `giveUp` holds), else `queued` again. Written inline (not in a sub-select) so that it
 * reads the row version the UPDATE locked, and a stop asked a moment earlier is never missed.
 */
const failedAttemptOutcome = (giveUp: string): string => `
  CASE WHEN t.cancel_requested_at IS NOT NULL THEN 'cancelled'
       WHEN t.attempt >= t.max_attempts OR ${giveUp} THEN 'failed'
       ELSE 'queued' END`;
const FAILED_ATTEMPT_OUTCOME = failedAttemptOutcome('$6::boolean');

/**
 * The attempt failed (threw, timed out, or was aborted): `cancelled` if a stop was asked, `failed` once
 * the attempts are used up or retrying is ruled out, else back to `queued` to run again after the
 * backoff. Fenced like COMPLETE_TASK.
 * $1 id, $2 worker id, $3 attempt, $4 error, $5 retry delay in ms, $6 true: do not retry.
 */
export const FAIL_ATTEMPT = `
  WITH failed AS (
    UPDATE tasks AS t
    SET status = ${FAILED_ATTEMPT_OUTCOME},
        error = CASE WHEN t.cancel_requested_at IS NULL THEN $4::jsonb ELSE ${STOPPED_ERROR} END,
        run_at = CASE WHEN ${FAILED_ATTEMPT_OUTCOME} = 'queued' THEN now() + $5 * interval '1 millisecond' ELSE t.run_at END,
        finished_at = CASE WHEN ${FAILED_ATTEMPT_OUTCOME} = 'queued' THEN NULL ELSE now() END,
        lease_expires_at = NULL
    WHERE t.id = $1 AND t.worker_id = $2 AND t.attempt = $3 AND t.status = 'running'
    RETURNING ${TASK_COLUMNS}
  )
  SELECT failed.* FROM failed
  CROSS JOIN LATERAL (
    SELECT CASE WHEN failed.status = 'cancelled' THEN pg_notify('${CHANNELS.done}', failed.id::text) END
  ) AS done`;

/**
 * For a task taken off its holder (handed back, or its lease expired): wake the workers of its queue if
 * it is `queued` again, or tell a waiting DELETE if it ended `cancelled`. `alias` names the updated rows.
 */
const announceRequeuedOrStopped = (alias: string): string => `
  CROSS JOIN LATERAL (
    SELECT pg_notify(CASE WHEN ${alias}.status = 'queued' THEN '${CHANNELS.wake}' ELSE '${CHANNELS.done}' END,
                     CASE WHEN ${alias}.status = 'queued' THEN ${alias}.queue ELSE ${alias}.id::text END)
  ) AS notified`;

/**
 * Hand a task back at shutdown: `queued` again without counting the attempt that was cut short (or
 * `cancelled` if a stop was asked), and wake another replica to take it. Fenced like COMPLETE_TASK.
 * $1 id, $2 worker id, $3 attempt.
 */
export const RELEASE_TASK = `
  WITH released AS (
    UPDATE tasks AS t
    SET status = CASE WHEN t.cancel_requested_at IS NULL THEN 'queued' ELSE 'cancelled' END,
        attempt = CASE WHEN t.cancel_requested_at IS NULL THEN t.attempt - 1 ELSE t.attempt END,
        error = CASE WHEN t.cancel_requested_at IS NULL THEN t.error ELSE ${STOPPED_ERROR} END,
        finished_at = CASE WHEN t.cancel_requested_at IS NULL THEN NULL ELSE now() END,
        lease_expires_at = NULL
    WHERE t.id = $1 AND t.worker_id = $2 AND t.attempt = $3 AND t.status = 'running'
    RETURNING ${TASK_COLUMNS}
  )
  SELECT released.* FROM released
  ${announceRequeuedOrStopped('released')}`;

/**
 * Ask a task to stop. A queued task is cancelled on the spot and will never be claimed (the claim's
 * SKIP LOCKED cannot take a row this statement holds). A running task is marked, and its holder is told
 * through task_stop; its own outcome write then turns it `cancelled`. No row: unknown or already terminal.
 * $1 id.
 */
export const REQUEST_STOP = `
  WITH stopped AS (
    UPDATE tasks AS t
    SET status = CASE WHEN t.status = 'queued' THEN 'cancelled' ELSE t.status END,
        error = CASE WHEN t.status = 'queued' THEN '{"message": "stopped on request before it started"}'::jsonb
                     ELSE t.error END,
        finished_at = CASE WHEN t.status = 'queued' THEN now() ELSE t.finished_at END,
        cancel_requested_at = COALESCE(t.cancel_requested_at, now())
    WHERE t.id = $1 AND t.status IN ('queued', 'running')
    RETURNING ${TASK_COLUMNS}
  )
  SELECT stopped.* FROM stopped
  CROSS JOIN LATERAL (
    SELECT pg_notify(CASE WHEN stopped.status = 'running' THEN '${CHANNELS.stop}' ELSE '${CHANNELS.done}' END,
                     stopped.id::text)
  ) AS notified`;

/** One task by id. $1 id. */
export const GET_TASK = `SELECT ${TASK_COLUMNS} FROM tasks AS t WHERE t.id = $1`;

/**
 * A page of tasks, newest first. The cursor is the id of the last task of the previous page.
 * Null parameters mean "no filter". $1 statuses, $2 type, $3 cursor, $4 page size.
 */
export const LIST_TASKS = `
  SELECT ${TASK_COLUMNS} FROM tasks AS t
  WHERE ($1::text[] IS NULL OR t.status = ANY($1::text[]))
    AND ($2::text IS NULL OR t.type = $2::text)
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
  ), rescued AS (
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
  )
  SELECT rescued.* FROM rescued
  ${announceRequeuedOrStopped('rescued')}`;

/**
 * Delete up to $2 tasks that finished more than $1 ms ago, oldest first. Small batches keep each
 * transaction short; SKIP LOCKED lets every replica's retention job run at once without waiting.
 * $1 retention in ms, $2 batch size.
 */
export const DELETE_EXPIRED_HISTORY = `
  DELETE FROM tasks
  WHERE id IN (
    SELECT id FROM tasks
    WHERE status IN ('succeeded', 'failed', 'cancelled') AND finished_at < now() - $1 * interval '1 millisecond'
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
