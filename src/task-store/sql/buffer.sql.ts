// A replica's claim buffer: tasks claimed ahead of its free slots, still `queued`, held by `buffered_by`
// until `lease_expires_at` (docs/design.md, "Claiming ahead"). Starting them, handing them back, and
// taking back the buffers of replicas that died.
import { QUEUES_NOT_ON_THE_FAST_PATH } from './claim.sql.js';
import {
  REQUEST_ID_COLUMN,
  RETURN_AND_ANNOUNCE,
  TASK_COLUMNS,
  TRACED_TASK_COLUMNS,
  commitWithoutFlushWhen,
} from './shared.sql.js';

/**
 * The row \`t\` is in the buffer of replica $3 (START_BUFFERED's fence). Written so that tasks_buffered cannot
 * serve it: from statistics that saw no buffered row, the planner took that index for one row and walked
 * every buffered task of every replica for each started one (2.8 ms a start of 10, 2,000 buffered).
 */
const IS_IN_THIS_BUFFER = `COALESCE(t.buffered_by, '') = $3`;

/**
 * Start buffered tasks in the slots given, as a claim starts them (attempt + 1, worker_id `<replica>/<slot>`,
 * started_at now, the lease). Only a task still `queued` and still in this replica's buffer starts: one
 * stopped meanwhile is `cancelled` (its DELETE cancelled it like any queued task), one whose buffer
 * expired is no longer ours; either is left alone, so a handler never runs a task the database does not
 * show running. A task whose queue was paused or given a limit since it was buffered goes back to the
 * queue instead (`changed`, announced so idle replicas look), where the claim of its queue decides.
 * The conditions sit in each UPDATE's own WHERE, so a row a concurrent stop changed is re-checked after
 * its lock. Returns the started tasks (status `running`) and the handed-back ones (status `queued`).
 * Committed without waiting for the WAL flush: a start lost in a crash leaves the task in the buffer of
 * its replica, which lease recovery empties (docs/design.md, "Claiming ahead").
 * $1 task ids, $2 their slots, $3 replica id, $4 lease in ms.
 */
export const START_BUFFERED = `
  WITH ${commitWithoutFlushWhen('true')},
  input AS (
    SELECT i.* FROM unnest($1::bigint[], $2::int[]) AS i(id, slot) CROSS JOIN commit_without_flush
  ), held AS (
    SELECT input.id, input.slot, t.queue <> ALL (${QUEUES_NOT_ON_THE_FAST_PATH}) AS may_start
    FROM input JOIN tasks AS t ON t.id = input.id
  ), started AS (
    UPDATE tasks AS t
    SET status = 'running',
        attempt = t.attempt + 1,
        worker_id = $3 || '/' || held.slot,
        buffered_by = NULL,
        started_at = statement_timestamp(),
        progress = NULL,
        lease_expires_at = statement_timestamp() + $4 * interval '1 millisecond'
    FROM held
    WHERE t.id = held.id AND held.may_start AND t.status = 'queued' AND ${IS_IN_THIS_BUFFER}
    RETURNING ${TRACED_TASK_COLUMNS}, ${REQUEST_ID_COLUMN}
  ), changed AS (
    UPDATE tasks AS t
    SET buffered_by = NULL, lease_expires_at = NULL
    FROM held
    WHERE t.id = held.id AND NOT held.may_start AND t.status = 'queued' AND ${IS_IN_THIS_BUFFER}
    RETURNING ${TRACED_TASK_COLUMNS}, ${REQUEST_ID_COLUMN}
  )
  ${RETURN_AND_ANNOUNCE}
  UNION ALL SELECT * FROM started`;

/**
 * Hand buffered tasks back to the queue: at shutdown, and those that waited in the buffer for a whole
 * heartbeat (its slots are busy with long tasks; another replica may have room). Announced `queued`, so
 * idle replicas claim them at once. $1 task ids, $2 replica id.
 */
export const RELEASE_BUFFERED = `
  WITH changed AS (
    UPDATE tasks AS t
    SET buffered_by = NULL, lease_expires_at = NULL
    WHERE t.id = ANY($1::bigint[]) AND t.status = 'queued' AND t.buffered_by = $2
    RETURNING ${TASK_COLUMNS}
  )
  ${RETURN_AND_ANNOUNCE}`;

/**
 * Take back the buffered tasks of replicas that stopped (killed, frozen, cut off): past the buffer's
 * deadline they are claimable again, announced `queued`. Nothing of them ran, so their attempt does not
 * count. Safe on every replica at once: SKIP LOCKED lets each take different rows. If the old holder
 * wakes up, its START_BUFFERED finds them no longer in its buffer. $1 how many at most.
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
    SET buffered_by = NULL, lease_expires_at = NULL
    FROM expired
    WHERE t.id = expired.id
    RETURNING ${TASK_COLUMNS}, ${REQUEST_ID_COLUMN}
  )
  ${RETURN_AND_ANNOUNCE}`;
