// Leases: the heartbeat that renews them, and the recovery of tasks whose holder stopped renewing.
import {
  REQUEST_ID_COLUMN,
  RETURN_AND_ANNOUNCE,
  STOPPED_ERROR,
  TASK_COLUMNS,
  failedAttemptOutcome,
  recordAttempts,
} from './shared.sql.js';

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
 * Take back tasks whose holder stopped renewing its lease (killed, frozen, cut off): the attempt it had
 * counts as failed, so each goes back to `queued` (at once, no backoff), or `cancelled` if a stop was
 * asked, or `failed` once its attempts are used up. Safe on every replica at once: SKIP LOCKED lets each
 * take different rows. The old holder, if it wakes up, finds its attempt fenced off.
 * With the submitting request's id, for the log line. $1 how many at most.
 */
export const LEASE_OUTCOME = failedAttemptOutcome('false');

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
    RETURNING ${TASK_COLUMNS}, ${REQUEST_ID_COLUMN}
  ), recorded AS (
    ${recordAttempts('changed')}
  )
  ${RETURN_AND_ANNOUNCE}`;
