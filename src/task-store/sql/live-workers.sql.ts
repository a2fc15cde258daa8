// Which replicas are alive, read from the workers table (written by src/workers/): the rule GET /workers
// lists them by, and the `no-worker` reason of a waiting task (waiting.sql.ts).

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
