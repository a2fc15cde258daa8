// Reading tasks: one, a page, their attempts, counts.
import { TASK_COLUMNS, TASK_SUMMARY_COLUMNS } from './shared.sql.js';
import { WAITING_OF_TASK, waitingColumn } from './waiting.sql.js';

/**
 * A task's attempts, oldest first: those kept in task_attempts, then the task's current one if it is
 * not among them (running, or ended without a row: succeeded, or stopped after it returned).
 * $1 task id.
 */
export const LIST_ATTEMPTS = `
  SELECT attempt, worker_id AS "workerId", status, error, started_at AS "startedAt", finished_at AS "finishedAt"
  FROM (
    SELECT a.id AS position, a.attempt, a.worker_id, a.status, a.error, a.started_at, a.finished_at
    FROM task_attempts AS a WHERE a.task_id = $1
    UNION ALL
    SELECT NULL, t.attempt, t.worker_id, t.status,
           CASE WHEN t.status = 'running' THEN NULL ELSE t.error END, t.started_at, t.finished_at
    FROM tasks AS t
    WHERE t.id = $1 AND t.started_at IS NOT NULL AND t.status IN ('running', 'succeeded', 'failed', 'cancelled')
      AND NOT EXISTS (SELECT 1 FROM task_attempts AS a WHERE a.task_id = t.id AND a.started_at = t.started_at)
  ) AS attempts
  ORDER BY position NULLS LAST`;

/** One task by id, with why it waits when it is queued (waiting.sql.ts). $1 id. */
export const GET_TASK = `
  SELECT ${TASK_COLUMNS}, ${waitingColumn(true)}
  FROM tasks AS t ${WAITING_OF_TASK}
  WHERE t.id = $1`;

/** The tasks with these ids (those that still exist), without payload or result: what the event stream shows. $1 ids. */
export const GET_TASK_SUMMARIES = `
  SELECT ${TASK_SUMMARY_COLUMNS} FROM tasks AS t WHERE t.id = ANY($1::bigint[]) ORDER BY t.id`;

/**
 * How many tasks are in each status, for the dashboard. An index-only scan of tasks_status_newest: it
 * reads the whole history, so the event stream runs it at most every few seconds per replica.
 */
export const COUNT_BY_STATUS = `SELECT status, count(*)::int AS count FROM tasks GROUP BY status`;

/**
 * A page of tasks, newest first, each queued one with why it waits (without its position). The cursor is
 * the id of the last task of the previous page. Null parameters mean "no filter". $1 statuses, $2 type,
 * $3 cursor, $4 page size, $5 queue, $6 waiting reason (then only queued tasks are asked for). The reason
 * is computed per row read: filtering by a rare reason reads the queued tasks newest first until the page
 * is full, each with the probes of `waitingOf`.
 */
export const LIST_TASKS = `
  SELECT ${TASK_COLUMNS}, ${waitingColumn(false)}
  FROM tasks AS t ${WAITING_OF_TASK}
  WHERE ($1::text[] IS NULL OR t.status = ANY($1::text[]))
    AND ($2::text IS NULL OR t.type = $2::text)
    AND ($5::text IS NULL OR t.queue = $5::text)
    AND ($3::bigint IS NULL OR t.id < $3::bigint)
    AND ($6::text IS NULL OR (t.status = 'queued' AND waiting.reason = $6::text))
  ORDER BY t.id DESC
  LIMIT $4`;

/**
 * Tasks per queue and status, for GET /queues. It reads the whole table, history included (a sequential
 * scan: about a second per million tasks); it is an operator's view, not something to poll hard.
 */
export const COUNT_BY_QUEUE = `SELECT queue, status, count(*)::int AS count FROM tasks GROUP BY queue, status`;

/**
 * How many tasks wait and run, for the metrics. Only the live statuses: their partial indexes keep this
 * cheap however long the history is, where counting finished rows would read all of it.
 */
export const COUNT_LIVE_TASKS = `
  SELECT 'queued' AS status, count(*)::int AS count FROM tasks WHERE status = 'queued'
  UNION ALL
  SELECT 'running', count(*)::int FROM tasks WHERE status = 'running'`;
