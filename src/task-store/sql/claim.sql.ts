// Claiming: `SELECT … FOR UPDATE SKIP LOCKED`, one task per free slot, within each queue's room.
import { REQUEST_ID_COLUMN, TRACED_TASK_COLUMNS } from './shared.sql.js';

/**
 * The end of both claims: the CTE `candidates` holds the locked rows to take; each gets one of the free
 * slot numbers, which names its holder in worker_id. Each comes back with its trace context, so that its
 * attempt continues the task's trace, and with the id of the request that submitted it, for the attempt's
 * log lines: no query more. Not announced here (see task_events above): the caller hands the claimed tasks
 * to TaskChangeAnnouncer.
 * $2 free slot numbers, $3 replica id, $4 lease in ms.
 */
export const TAKE_CANDIDATES = `
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
  RETURNING ${TRACED_TASK_COLUMNS}, ${REQUEST_ID_COLUMN}`;

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
