import type { Task } from './task.js';

/** Results are logged, as the original TaskSystem did, but a huge one is cut so a log line stays a line. */
const MAX_LOGGED_JSON = 500;

/** The "task result" log line of every outcome: id, type, status, and result or error; how long it ran, if it ran. */
export function describeOutcome(
  task: Pick<Task, 'id' | 'type' | 'status' | 'attempt' | 'maxAttempts' | 'workerId' | 'runAt' | 'error' | 'result'>,
  durationMs?: number,
): string {
  const ran = durationMs === undefined ? '' : ` after ${durationMs} ms`;
  const where = task.workerId ? ` on ${task.workerId}` : '';
  const head = `task ${task.id} (${task.type}) ${task.status}${ran}, attempt ${task.attempt}/${task.maxAttempts}${where}`;
  switch (task.status) {
    case 'succeeded':
      return `${head}: result ${shorten(JSON.stringify(task.result))}`;
    case 'queued':
      return `${head}: will retry at ${task.runAt.toISOString()} after error: ${task.error?.message}`;
    case 'failed':
    case 'cancelled':
      return `${head}: ${task.error?.message}`;
    case 'running':
      return head;
  }
}

function shorten(json: string | undefined): string {
  if (json === undefined) return 'null';
  return json.length > MAX_LOGGED_JSON ? `${json.slice(0, MAX_LOGGED_JSON)}… (${json.length} chars)` : json;
}
