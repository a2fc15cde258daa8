// Why a queued task still waits ("waiting" on GET /tasks/:id, the list's filter, the counts per reason on
// GET /queues and in /metrics): computed on read from the queues, workers, running tasks and recent starts,
// never stored per task, and never part of the claim statements (docs/design.md, "Why is it waiting?").
import { aLiveWorkerRuns } from './live-workers.sql.js';

/** What the reason of a queued task depends on, each a SQL expression (a column of a row or of a group). */
interface WaitingInputs {
  queue: string;
  type: string;
  concurrencyKey: string;
  /** True while its runAt is in the future. */
  notYet: string;
  /** True when no attempt started yet (attempt 0): a future runAt is then a schedule, not a backoff. */
  neverStarted: string;
  /** True while a replica holds it in its claim buffer. */
  buffered: string;
  /** When it is false the reason is not computed (null): a task that is not queued waits for nothing. */
  applies: string;
}

/**
 * LATERAL joins that give `waiting.reason` (and the figures its message names: `waiting.running`,
 * `waiting.limit`, `waiting.until`) for the queued task or group described by `inputs`. The reasons are
 * checked in this order, the first that holds wins: scheduled, retry-backoff, queue-paused, no-worker,
 * queue-limit, key-limit, rate-limited, ready. Each count runs only when its queue has that setting, so a
 * queue without settings costs one probe of `queues` and one EXISTS on the (small) workers table; a
 * limited one adds an index probe of the running tasks (tasks_running_by_key for a key) or of
 * queue_starts (a rate limit's window).
 */
const waitingOf = ({ queue, type, concurrencyKey, notYet, neverStarted, buffered, applies }: WaitingInputs): string => `
  LEFT JOIN LATERAL (
    SELECT COALESCE(q.paused, false) AS paused, q.concurrency, q.key_concurrency, q.rate_limit,
           q.rate_interval_ms, COALESCE(q.rate_per_key, false) AS rate_per_key
    FROM (SELECT) AS one LEFT JOIN queues AS q ON q.name = ${queue}
    WHERE ${applies}
  ) AS settings ON true
  CROSS JOIN LATERAL (
    SELECT CASE WHEN settings.concurrency IS NOT NULL
                THEN (SELECT count(*)::int FROM tasks AS r WHERE r.status = 'running' AND r.queue = ${queue}) END
             AS in_queue,
           CASE WHEN settings.key_concurrency IS NOT NULL AND ${concurrencyKey} IS NOT NULL
                THEN (SELECT count(*)::int FROM tasks AS r
                      WHERE r.status = 'running' AND r.queue = ${queue} AND r.concurrency_key = ${concurrencyKey}) END
             AS with_key
  ) AS running
  LEFT JOIN LATERAL (
    -- The starts in the rate limit's window (the task's key's own, per key; the unkeyed tasks count as
    -- one key), and when the oldest leaves it: the claims never let the count pass the limit, so that is
    -- when the next start is allowed (as NEXT_RATE_WINDOW says).
    SELECT count(*)::int AS n, min(s.started_at) + settings.rate_interval_ms * interval '1 millisecond' AS opens_at
    FROM queue_starts AS s
    WHERE settings.rate_limit IS NOT NULL AND s.queue = ${queue}
      AND s.started_at > now() - settings.rate_interval_ms * interval '1 millisecond'
      AND (NOT settings.rate_per_key OR s.concurrency_key = ${concurrencyKey}
           OR (s.concurrency_key IS NULL AND ${concurrencyKey} IS NULL))
  ) AS starts ON true
  LEFT JOIN LATERAL (
    SELECT reason,
           CASE reason WHEN 'queue-limit' THEN running.in_queue WHEN 'key-limit' THEN running.with_key
                       WHEN 'rate-limited' THEN starts.n END AS running,
           CASE reason WHEN 'queue-limit' THEN settings.concurrency WHEN 'key-limit' THEN settings.key_concurrency
                       WHEN 'rate-limited' THEN settings.rate_limit END AS "limit"
    FROM (SELECT CASE
      WHEN ${buffered} THEN 'buffered'
      WHEN ${notYet} THEN CASE WHEN ${neverStarted} THEN 'scheduled' ELSE 'retry-backoff' END
      WHEN settings.paused THEN 'queue-paused'
      WHEN NOT ${aLiveWorkerRuns(type, queue)} THEN 'no-worker'
      WHEN running.in_queue >= settings.concurrency THEN 'queue-limit'
      WHEN running.with_key >= settings.key_concurrency THEN 'key-limit'
      WHEN starts.n >= settings.rate_limit THEN 'rate-limited'
      ELSE 'ready' END AS reason) AS chosen
    WHERE ${applies}
  ) AS waiting ON true`;

/** The reason of the queued row `t` (a task), for reads of tasks. */
export const WAITING_OF_TASK = waitingOf({
  queue: 't.queue',
  type: 't.type',
  concurrencyKey: 't.concurrency_key',
  notYet: 't.run_at > now()',
  neverStarted: 't.attempt = 0',
  buffered: 't.buffered_by IS NOT NULL',
  applies: "t.status = 'queued'",
});

/** Counting tasks before a ready one stops here: a deep backlog costs no more than this many index entries. */
const COUNTED_UP_TO = 1000;

/** Claimable tasks of the lane `lane` (a condition on `a`) matching `before`, counted up to COUNTED_UP_TO. */
const countedInLane = (lane: string, before: string): string => `
  (SELECT count(*)::int FROM (
     SELECT 1 FROM tasks AS a
     WHERE a.status = 'queued' AND a.buffered_by IS NULL AND a.queue = t.queue AND ${lane} AND ${before}
       AND a.run_at <= now()
     LIMIT ${COUNTED_UP_TO}) AS counted)`;

/**
 * How many claimable tasks come before the ready task `t` in the lane `lane` (priority DESC, then id): those
 * of a higher priority, and those of its priority with a smaller id, each an index range of the lane's own
 * index (tasks_claim_order_unkeyed, tasks_claim_lanes). One condition with an OR would not bound the
 * index scan: the oldest task of a long lane read it whole (35 ms with 100,000 queued, against 3).
 */
const beforeInLane = (lane: string): string => `
  LEAST(${COUNTED_UP_TO},
        ${countedInLane(lane, 'a.priority > t.priority')}
        + ${countedInLane(lane, 'a.priority = t.priority AND a.id < t.id')})`;

/**
 * A ready task's place in its lane (its concurrency key's tasks, or its queue's tasks without a key; the
 * order claims take within a lane), counted up to 1,000 before it: position 1 is the lane's next, 1001
 * means 1,000 or more before it. Lanes take turns (docs/design.md), so this is its place in its own
 * lane, not across the queue.
 */
const POSITION_IN_LANE = `
  CASE WHEN waiting.reason <> 'ready' THEN NULL
       WHEN t.concurrency_key IS NULL THEN 1 + ${beforeInLane('a.concurrency_key IS NULL')}
       ELSE 1 + ${beforeInLane('a.concurrency_key = t.concurrency_key')} END`;

/**
 * The `waiting` column: for a queued task, its reason and figures (WaitingFacts), else null.
 * `withPosition`: also its place in its lane (one bounded count per task; lists leave it out).
 */
export const waitingColumn = (withPosition: boolean): string => `
  CASE WHEN t.status = 'queued' THEN json_build_object(
    'reason', waiting.reason, 'running', waiting.running, 'limit', waiting."limit",
    'until', CASE waiting.reason WHEN 'rate-limited' THEN starts.opens_at
                                 WHEN 'scheduled' THEN t.run_at WHEN 'retry-backoff' THEN t.run_at END,
    'position', ${withPosition ? POSITION_IN_LANE : 'NULL'}) END AS waiting`;

/**
 * Queued tasks per queue and reason (GET /queues, /metrics). The reason depends only on (queue, type,
 * key, runAt in the future or not, attempt 0 or not), so the queued tasks are grouped by those first (one
 * read of the queued tasks) and the reason is computed once per group, not per task.
 */
export const COUNT_WAITING_BY_QUEUE = `
  SELECT g.queue, waiting.reason, sum(g.tasks)::int AS count
  FROM (
    SELECT queue, type, concurrency_key, run_at > now() AS not_yet, attempt = 0 AS never_started,
           buffered_by IS NOT NULL AS buffered, count(*) AS tasks
    FROM tasks WHERE status = 'queued'
    GROUP BY 1, 2, 3, 4, 5, 6
  ) AS g ${waitingOf({
    queue: 'g.queue',
    type: 'g.type',
    concurrencyKey: 'g.concurrency_key',
    notYet: 'g.not_yet',
    neverStarted: 'g.never_started',
    buffered: 'g.buffered',
    applies: 'true',
  })}
  GROUP BY g.queue, waiting.reason`;
