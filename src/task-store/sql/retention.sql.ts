// Retention: deleting finished tasks past their time.

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
