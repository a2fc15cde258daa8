/**
 * Every SQL statement on the tasks table, named and explained, one file per operation in sql/ (submit,
 * claim, buffer, outcome, stop, retry, lease, retention, read). Only TaskRepository runs them.
 *
 * Notification channels (a NOTIFY is delivered at commit; it is a hint that lowers latency, the table
 * stays the truth, and pollers and heartbeats re-read it):
 *   task_events  payload: "<status>:<id>,<id>,…"  these tasks changed and are now in that status. Idle
 *                workers wake on `queued`, a waiting DELETE ends on a terminal status, and the
 *                dashboard's event stream shows them. One notification per status (up to EVENT_IDS ids
 *                each), never one per row. PostgreSQL serialises the commits of transactions that
 *                notify (a database-wide lock held through the WAL flush), so the hot statements, claim
 *                and finish, do not notify: TaskChangeAnnouncer sends what they changed a moment later,
 *                in a transaction of its own (ANNOUNCE_CHANGES). Only what someone waits for is
 *                announced by the statement itself: new tasks (idle workers) and stops.
 *   task_stop    payload: task id                 a stop was asked for a running or buffered task; its holder
 *                aborts it, or cancels it if it has not started
 */

export { CHANNELS, EVENT_IDS, ANNOUNCE_CHANGES } from './sql/shared.sql.js';
export { INSERT_TASKS, GET_TASKS_BY_KEY } from './sql/submit.sql.js';
export { CLAIM_TASKS, LOCK_QUEUE, CLAIM_FROM_QUEUE, NEXT_RATE_WINDOW } from './sql/claim.sql.js';
export { FINISH_ATTEMPTS, SAVE_PROGRESS, RELEASE_TASK } from './sql/outcome.sql.js';
export { REQUEST_STOP } from './sql/stop.sql.js';
export { RETRY_TASK } from './sql/retry.sql.js';
export {
  LIST_ATTEMPTS,
  GET_TASK,
  GET_TASK_SUMMARIES,
  COUNT_BY_STATUS,
  LIST_TASKS,
  COUNT_BY_QUEUE,
  COUNT_LIVE_TASKS,
} from './sql/read.sql.js';
export { COUNT_WAITING_BY_QUEUE } from './sql/waiting.sql.js';
export { RENEW_LEASES, RESCUE_EXPIRED_LEASES } from './sql/lease.sql.js';
export { RECORD_STARTS, LEAVE_BUFFERED, RESCUE_EXPIRED_BUFFERS } from './sql/buffer.sql.js';
export { DELETE_EXPIRED_HISTORY } from './sql/retention.sql.js';
