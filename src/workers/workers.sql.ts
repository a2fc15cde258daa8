// The workers table: each replica that runs tasks, as it last described itself at its heartbeat. Only
// WorkersRepository runs these statements.

// The rule of a live replica is shared with the task store, whose reads say when no live replica can run
// a queued task (`no-worker`); it lives there so the task store does not depend on this folder.
import { GONE_AT } from '../task-store/sql/live-workers.sql.js';

export { GONE_AT, LIVE_WORKER, aLiveWorkerRuns } from '../task-store/sql/live-workers.sql.js';

/**
 * A replica's heartbeat, and its registration at start-up: everything it is, and the time. One statement
 * per heartbeat, whatever the number of tasks. A replica whose row was marked gone and which beats again
 * (it was frozen, not dead) is alive again; one that stopped cleanly beats no more. $1 id, $2 host, $3 pid,
 * $4 version, $5 started at, $6 task types, $7 slots, $8 queues (NULL: all), $9 per-replica queue limits
 * (JSON), $10 lease in ms.
 */
export const WORKER_HEARTBEAT = `
  INSERT INTO workers AS w
    (id, host, pid, version, started_at, task_types, slots, queues, queue_limits, lease_ms, last_heartbeat_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
  ON CONFLICT (id) DO UPDATE SET
    host = EXCLUDED.host, pid = EXCLUDED.pid, version = EXCLUDED.version, started_at = EXCLUDED.started_at,
    task_types = EXCLUDED.task_types, slots = EXCLUDED.slots, queues = EXCLUDED.queues,
    queue_limits = EXCLUDED.queue_limits, lease_ms = EXCLUDED.lease_ms, last_heartbeat_at = now(), gone_at = NULL`;

/** A replica stopping cleanly, once its tasks are finished or handed back. $1 id. */
export const MARK_WORKER_GONE = `
  UPDATE workers SET gone_at = now() WHERE id = $1 AND gone_at IS NULL`;

/**
 * The live replicas, then those gone less than $1 ms ago, each group by id. Slots in use are the tasks
 * each holds `running` now (`worker_id` is `<replica>/<slot>`, and a replica id has no `/`), counted here
 * from the small running set rather than reported at each heartbeat, so they are never a beat behind
 * the task list; a killed replica's count stays until its leases are taken back.
 */
export const LIST_WORKERS = `
  WITH running AS (
    SELECT split_part(worker_id, '/', 1) AS replica, count(*)::int AS tasks
    FROM tasks
    WHERE status = 'running'
    GROUP BY 1
  )
  SELECT id, host, pid, version, started_at AS "startedAt", task_types AS "taskTypes", slots, queues,
         queue_limits AS "queueLimits", COALESCE(running.tasks, 0) AS "slotsInUse", lease_ms AS "leaseMs",
         last_heartbeat_at AS "lastHeartbeatAt", gone.at AS "goneAt"
  FROM workers AS w
  CROSS JOIN LATERAL (SELECT ${GONE_AT} AS at) AS gone
  LEFT JOIN running ON running.replica = w.id
  WHERE gone.at IS NULL OR gone.at > now() - $1 * interval '1 millisecond'
  ORDER BY gone.at IS NOT NULL, id`;

/** Forgets replicas gone more than $1 ms ago; returns their ids. */
export const DELETE_GONE_WORKERS = `
  DELETE FROM workers AS w
  WHERE ${GONE_AT} < now() - $1 * interval '1 millisecond'
  RETURNING id`;
