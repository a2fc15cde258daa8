// Stopping a task, queued or running, on whichever replica runs it.
import { CHANNELS, REQUEST_ID_COLUMN, RETURN_AND_ANNOUNCE, TRACED_TASK_COLUMNS } from './shared.sql.js';

/**
 * A queued task that no replica holds in its buffer, or whose buffer's deadline passed (its replica is
 * gone or stalled; if it wakes, RECORD_STARTS finds the task no longer in its buffer): the stop cancels it.
 */
const CANCELLED_HERE = `(t.status = 'queued' AND (t.buffered_by IS NULL OR t.lease_expires_at < now()))`;

/**
 * Ask a task to stop. A queued task is cancelled on the spot and will never be claimed (the claim's
 * SKIP LOCKED cannot take a row this statement holds). A running task is marked, and its holder is told
 * through task_stop; its own outcome write then turns it `cancelled`. A task in a replica's claim buffer
 * is treated like a running one: that replica may have just started its handler and not yet recorded it,
 * so only it can tell; it cancels the task at once if it has not started (LEAVE_BUFFERED), else aborts
 * it. Either change is announced on task_events. Returns the task with its trace context (the stop's
 * span links to it) and the submitting request's id (a task cancelled here is logged here). No row:
 * unknown or already terminal; `inBuffer` tells whether a replica held it in its buffer.
 * $1 id.
 */
export const REQUEST_STOP = `
  WITH changed AS (
    UPDATE tasks AS t
    SET status = CASE WHEN ${CANCELLED_HERE} THEN 'cancelled' ELSE t.status END,
        error = CASE WHEN ${CANCELLED_HERE} THEN '{"message": "stopped on request before it started"}'::jsonb
                     ELSE t.error END,
        finished_at = CASE WHEN ${CANCELLED_HERE} THEN now() ELSE t.finished_at END,
        cancel_requested_at = COALESCE(t.cancel_requested_at, now()),
        buffered_by = CASE WHEN ${CANCELLED_HERE} THEN NULL ELSE t.buffered_by END,
        lease_expires_at = CASE WHEN ${CANCELLED_HERE} AND t.status = 'queued' THEN NULL ELSE t.lease_expires_at END
    WHERE t.id = $1 AND t.status IN ('queued', 'running')
    RETURNING ${TRACED_TASK_COLUMNS}, ${REQUEST_ID_COLUMN}, t.buffered_by IS NOT NULL AS "inBuffer"
  ), told AS (
    SELECT pg_notify('${CHANNELS.stop}', id::text) FROM changed WHERE status = 'running' OR "inBuffer"
  )
  ${RETURN_AND_ANNOUNCE}
  CROSS JOIN (SELECT count(*) FROM told) AS told_holder`;
