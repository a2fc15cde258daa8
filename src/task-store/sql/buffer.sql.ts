// A replica's claim buffer: tasks claimed ahead of its free slots, still `queued`, held by `buffered_by`
// until `lease_expires_at` (docs/design.md, "Claiming ahead"). Recording their starts, cancelling them,
// handing them back, and taking back the buffers of replicas that died.
import {
  REQUEST_ID_COLUMN,
  RETURN_AND_ANNOUNCE,
  TASK_COLUMNS,
  commitWithoutFlushWhen,
  handlerStartedAt,
} from './shared.sql.js';

/** The error of a buffered task stopped before it started (as REQUEST_STOP writes for a queued one). */
const STOPPED_BEFORE_START = `'{"message": "stopped on request before it started"}'::jsonb`;

/**
 * The row `t` is still in the buffering marked `mark` (a claim's `<replica id>#<claim number>`: see
 * bufferSlotted in claim.sql.ts). Not the replica alone: lease recovery may have emptied that buffering and
 * a later claim of the same replica buffered the task again, at the same attempt count; a write meant for
 * the first must not land on the second (chaos saw a task run again after it had ended, that way). Written
 * so that tasks_buffered cannot serve it: from statistics that saw no buffered row, the planner took that
 * index for one row and walked every buffered task of every replica for each one asked for (2.8 ms a
 * statement of 10, 2,000 buffered).
 */
export const inBuffering = (mark: string): string => `t.status = 'queued' AND COALESCE(t.buffered_by, '') = ${mark}`;

/**
 * Record that buffered tasks started, in the slots given: as a claim starts a task (attempt + 1, worker_id
 * `<replica>/<slot>`, the lease), with started_at the moment its handler started, `$4` ms before this
 * statement on the database's clock (so a replica's clock does not matter). The handlers already run:
 * a replica starts a buffered task at once and records it here, many per statement. Only a task still in
 * this replica's buffer, one attempt before the one started, is written: one missing from the result is
 * no longer ours (its buffer expired and lease recovery took it back; it may even be buffered here again,
 * or another attempt: its buffering's mark differs), and its holder aborts it. A start already written (a retry after a lost answer)
 * is found as written and returned again, so a retry is safe. A stop asked meanwhile is returned, for a
 * holder that missed its notification. Committed without waiting for the WAL flush: lost in a crash, the
 * task is back in its replica's buffer, which lease recovery empties (docs/design.md, "Claiming ahead").
 * $1 task ids, $2 replica id, $3 their slots, $4 when each handler started (ms since the epoch, the
 * replica's clock: handlerStartedAt), $5 lease in ms, $6 the attempt each started, $7 the mark of the
 * buffering each was started from.
 */
export const RECORD_STARTS = `
  WITH ${commitWithoutFlushWhen('true')},
  input AS (
    SELECT i.* FROM unnest($1::bigint[], $3::int[], $4::float8[], $6::int[], $7::text[])
      AS i(id, slot, started_ms, attempt, buffering)
    CROSS JOIN commit_without_flush
  )
  UPDATE tasks AS t
  SET status = 'running',
      attempt = input.attempt,
      worker_id = $2 || '/' || input.slot,
      buffered_by = NULL,
      started_at = CASE WHEN t.status = 'running' THEN t.started_at
                        ELSE ${handlerStartedAt('input.started_ms', 'statement_timestamp()')} END,
      progress = CASE WHEN t.status = 'running' THEN t.progress END,
      lease_expires_at = statement_timestamp() + $5 * interval '1 millisecond'
  FROM input
  WHERE t.id = input.id
    AND ((${inBuffering('input.buffering')} AND t.attempt = input.attempt - 1)
         OR (t.status = 'running' AND t.worker_id = $2 || '/' || input.slot AND t.attempt = input.attempt))
  RETURNING t.id, t.cancel_requested_at IS NOT NULL AS "stopRequested"`;

/**
 * Where a buffered task goes when it leaves a buffer without starting: back to the queue, or `cancelled`
 * when a stop was asked for it (REQUEST_STOP leaves that to its holder).
 */
const LEAVE_BUFFER = `
    status = CASE WHEN t.cancel_requested_at IS NULL THEN 'queued' ELSE 'cancelled' END,
    error = CASE WHEN t.cancel_requested_at IS NULL THEN t.error ELSE ${STOPPED_BEFORE_START} END,
    finished_at = CASE WHEN t.cancel_requested_at IS NULL THEN NULL ELSE now() END,
    buffered_by = NULL,
    lease_expires_at = NULL`;

/**
 * Take buffered tasks out of this replica's buffer without starting them: a stopped one ends `cancelled`
 * (it never ran), the others go back to the queue (at shutdown, after waiting a whole heartbeat, or when
 * their queue was paused or limited meanwhile). Only those still in the buffering named for each are
 * changed. Announced, so a waiting DELETE ends and idle replicas claim. $1 task ids, $2 the mark of the
 * buffering each is in.
 */
export const LEAVE_BUFFERED = `
  WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::text[]) AS i(id, buffering)
  ), changed AS (
    UPDATE tasks AS t
    SET ${LEAVE_BUFFER}
    FROM input
    WHERE t.id = input.id AND ${inBuffering('input.buffering')}
    RETURNING ${TASK_COLUMNS}, ${REQUEST_ID_COLUMN}
  )
  ${RETURN_AND_ANNOUNCE}`;

/**
 * Take back the buffered tasks of replicas that stopped (killed, frozen, cut off): past the buffer's
 * deadline they are claimable again (or `cancelled`, if a stop was asked), announced. Nothing of them ran,
 * so no attempt is counted. Safe on every replica at once: SKIP LOCKED lets each take different rows. If
 * the old holder wakes up, RECORD_STARTS finds them no longer in its buffer. $1 how many at most.
 */
export const RESCUE_EXPIRED_BUFFERS = `
  WITH expired AS (
    SELECT id FROM tasks
    WHERE status = 'queued' AND buffered_by IS NOT NULL AND lease_expires_at < now()
    ORDER BY lease_expires_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
  ), changed AS (
    UPDATE tasks AS t
    SET ${LEAVE_BUFFER}
    FROM expired
    WHERE t.id = expired.id
    RETURNING ${TASK_COLUMNS}, ${REQUEST_ID_COLUMN}
  )
  ${RETURN_AND_ANNOUNCE}`;
