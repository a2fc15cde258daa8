// Stopping a task, queued or running, on whichever replica runs it.
import { CHANNELS, REQUEST_ID_COLUMN, RETURN_AND_ANNOUNCE, TASK_COLUMNS } from './shared.sql.js';

/**
 * Ask a task to stop. A queued task is cancelled on the spot and will never be claimed (the claim's
 * SKIP LOCKED cannot take a row this statement holds). A running task is marked, and its holder is told
 * through task_stop; its own outcome write then turns it `cancelled`. Either change is announced on
 * task_events. No row: unknown or already terminal. With the submitting request's id: a task cancelled
 * here is logged here.
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
    RETURNING ${TASK_COLUMNS}, ${REQUEST_ID_COLUMN}
  ), told AS (
    SELECT pg_notify('${CHANNELS.stop}', id::text) FROM changed WHERE status = 'running'
  )
  ${RETURN_AND_ANNOUNCE}
  CROSS JOIN (SELECT count(*) FROM told) AS told_holder`;
