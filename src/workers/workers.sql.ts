// The workers table: each replica that runs tasks, as it last described itself at its heartbeat. Only
// WorkersRepository runs these statements.

/**
 * When the worker row `w` went: when it stopped cleanly, or, for one that stopped beating (killed,
 * frozen, cut off), one lease after its last heartbeat, the moment its tasks became anyone's to take.
 * NULL while it is alive. Each row carries its own lease, so replicas configured differently agree.
 */
export const GONE_AT = `COALESCE(
    w.gone_at,
    CASE WHEN w.last_heartbeat_at + w.lease_ms * interval '1 millisecond' < now()
         THEN w.last_heartbeat_at + w.lease_ms * interval '1 millisecond' END)`;

/** A condition on the worker row `w`: it is alive. */
export const LIVE_WORKER = `(${GONE_AT}) IS NULL`;

/**
 * True when some live replica runs task type `type` and works queue `queue` (each a SQL expression: a
 * column such as `t.type`, or a parameter): false means a task of that type in that queue waits for a
 * replica that is not there (a waiting task's `no-worker` reason).
 */
export const aLiveWorkerRuns = (type: string, queue: string): string => `EXISTS (
    SELECT 1 FROM workers AS w
    WHERE ${LIVE_WORKER} AND ${type} = ANY (w.task_types) AND (w.queues IS NULL OR ${queue} = ANY (w.queues)))`;

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
