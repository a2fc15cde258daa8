/** A replica that runs tasks, as it describes itself at each heartbeat. */
export interface WorkerDescription {
  /** REPLICA_ID: the `<replica>` of the `workerId` (`<replica>/<slot>`) of the tasks it claims. */
  id: string;
  host: string;
  pid: number;
  /** The version of the tasksystem package it runs. */
  version: string;
  startedAt: Date;
  /** The task types it runs (it claims only these). */
  taskTypes: string[];
  /** WORKER_CONCURRENCY: tasks it runs at once. */
  slots: number;
  /** The queues it works (WORKER_QUEUES); null: every queue. */
  queues: string[] | null;
  /** Its own limits of tasks running at once here, by queue (WORKER_QUEUES `name:n`). */
  queueLimits: Record<string, number>;
  /** LEASE_MS: one lease after its last heartbeat, a silent replica is gone. */
  leaseMs: number;
}

/** A replica as GET /workers shows it. */
export interface Worker extends WorkerDescription {
  /** Tasks it holds `running` now (for a killed replica: until its leases are taken back). */
  slotsInUse: number;
  lastHeartbeatAt: Date;
  /** When it stopped cleanly, or one lease after its last heartbeat if it went silent; null while alive. */
  goneAt: Date | null;
}

/** A replica as GET /workers answers it: its row, and whether it is gone. */
export interface WorkerView extends Worker {
  gone: boolean;
}

/** How long a replica that is gone is still listed (and kept in the table). */
export const GONE_WORKERS_KEPT_MS = 60 * 60 * 1000;
