import type { ClaimedTask } from '../../task-store/task.repository.js';

/**
 * A task as a claim returns it, for unit tests: running, attempt 1 of 3, held by slot 1 of replica `r`.
 * A test states only the fields that matter to it.
 */
export function claimedTask(fields: Partial<ClaimedTask> = {}): ClaimedTask {
  const epoch = new Date(0);
  return {
    id: '1',
    type: 'gate',
    queue: 'default',
    key: null,
    concurrencyKey: null,
    payload: null,
    status: 'running',
    priority: 0,
    runAt: epoch,
    attempt: 1,
    maxAttempts: 3,
    timeoutMs: null,
    result: null,
    error: null,
    cancelRequestedAt: null,
    workerId: 'r/1',
    progress: null,
    createdAt: epoch,
    startedAt: epoch,
    finishedAt: null,
    traceContext: null,
    requestId: null,
    ...fields,
  };
}
