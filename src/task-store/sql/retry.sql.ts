// Putting a failed or cancelled task back in the queue.
import { RETURN_AND_ANNOUNCE, TASK_COLUMNS } from './shared.sql.js';

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
