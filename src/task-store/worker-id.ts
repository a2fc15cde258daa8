/**
 * A claimed task's `worker_id` is `<replica id>/<slot>`: the claim statements in task.sql.ts compose it,
 * and REPLICA_ID cannot contain a `/`. Returns the slot.
 */
export const slotOfWorkerId = (workerId: string): number => Number(workerId.slice(workerId.lastIndexOf('/') + 1));
