// Claiming: `SELECT … FOR UPDATE SKIP LOCKED`, one task per free slot (and a few ahead into the replica's
// buffer), within each queue's room, taking the lanes of concurrency keys in turn (docs/design.md,
// "Fairness between keys" and "Claiming ahead").
import { REQUEST_ID_COLUMN, TRACED_TASK_COLUMNS, commitWithoutFlushWhen } from './shared.sql.js';

/**
 * Queues the fast path leaves to CLAIM_FROM_QUEUE: paused ones (claimed by nobody) and those with a
 * setting that needs their lock (a cluster-wide limit, a per-key limit, a rate limit): the rule of
 * isClaimedOneByOne, by which TaskClaimer claims them instead. Read as an array
 * computed once per statement (an InitPlan), not a join: a join made the planner sort every queued row.
 */
export const QUEUES_NOT_ON_THE_FAST_PATH = `ARRAY(
  SELECT name FROM queues
  WHERE paused OR concurrency IS NOT NULL OR key_concurrency IS NOT NULL OR rate_limit IS NOT NULL)`;

/**
 * The lanes of keyed tasks: one per (queue, concurrency key) with queued tasks, found by a loose index
 * scan of tasks_claim_lanes (each step jumps past the current key: as many index probes as lanes, however
 * long each). `inQueues` (a condition on `queue`) narrows them; in the step it is checked on the lane
 * found rather than in the probe, because a row comparison plus an equality on the same column made
 * PostgreSQL walk the whole current lane (0.7 ms a step with 10,000 tasks in it, against 0.01 ms).
 */
const lanesOfKeyedTasks = (inQueues: (queue: string) => string): string => `
  lanes (queue, concurrency_key) AS (
    (SELECT queue, concurrency_key FROM tasks
     WHERE status = 'queued' AND concurrency_key IS NOT NULL AND buffered_by IS NULL AND ${inQueues('queue')}
     ORDER BY queue, concurrency_key LIMIT 1)
    UNION ALL
    SELECT next.queue, next.concurrency_key
    FROM lanes CROSS JOIN LATERAL (
      SELECT queue, concurrency_key FROM tasks
      WHERE status = 'queued' AND concurrency_key IS NOT NULL AND buffered_by IS NULL
        AND (queue, concurrency_key) > (lanes.queue, lanes.concurrency_key)
      ORDER BY queue, concurrency_key LIMIT 1) AS next
    WHERE ${inQueues('next.queue')}
  )`;

/**
 * The row is not among `leftOut` (an array parameter): tasks an attempt of which still runs on the claiming
 * replica after the database let them go (a lease lost in a stall), which it must not start a second time
 * beside it (WorkerSupervisor's claimedWhileHeld). Nearly always empty.
 */
const notLeftOut = (leftOut: string): string => `id <> ALL(${leftOut}::bigint[])`;

/**
 * How deep each lane is read: every lane's first `n` (the tasks wanted: `wanted`) while lanes are few, but
 * no more than about 4n + 256 rows in all when they are many (with 1,000 keys, each lane's head only). A
 * claim then takes the best of what it read: fewer tasks than it could only when many lanes are short and
 * one is long, and the next round takes the rest.
 */
const laneDepth = (wanted: string): string => `(SELECT LEAST(${wanted},
                                  CEIL((4 * ${wanted} + 256)::numeric / GREATEST(1, count(*))))::int
                     FROM claimable_lanes)`;

/** How many tasks of the lane `lane` (queue, concurrency key) run now, on every replica (tasks_running_by_key). */
const RUNNING_IN_LANE = `(SELECT count(*) FROM tasks AS r
   WHERE r.status = 'running' AND r.queue = lane.queue AND r.concurrency_key = lane.concurrency_key)`;

/**
 * The keyed tasks to claim: the heads of the lanes of `claimable_lanes` (each with `running`, its tasks
 * running now, and `room`, the most it may start now), each with its turn, `running` + its place in the
 * lane (1 = its next task); then locked in turn order (turn, priority DESC, id) with SKIP LOCKED. Twice
 * as many candidates as slots are read, so that rows another replica locked meanwhile are replaced by
 * the next ones instead of leaving slots empty. Candidates are read without a lock (FOR UPDATE cannot sit
 * under a window function); the lock re-checks `status` on the row's newest version, so a task claimed
 * elsewhere since is skipped. `wanted`: how many tasks the claim takes at most; `leftOut`: the ids not to
 * claim (LEFT_OUT). $1 types.
 */
const keyedCandidates = (wanted: string, leftOut: string): string => `
  lane_heads AS (
    SELECT head.id, head.priority, lane.running + head.place AS turn
    FROM claimable_lanes AS lane CROSS JOIN LATERAL (
      -- Numbered inside the lane's own index scan, which the LIMIT stops: a window over all the heads,
      -- partitioned by lane, sorted them again (113 against 94 ms a claim, 1,000 lanes, 500 slots).
      SELECT id, priority, row_number() OVER (ORDER BY priority DESC, id) AS place FROM tasks
      WHERE status = 'queued' AND queue = lane.queue AND concurrency_key = lane.concurrency_key
        AND buffered_by IS NULL AND run_at <= now() AND array_position($1::text[], type) IS NOT NULL
        AND ${notLeftOut(leftOut)}
      ORDER BY priority DESC, id
      LIMIT GREATEST(0, LEAST(lane.room, ${laneDepth(wanted)}))) AS head
  ), keyed AS (
    SELECT t.id, head.priority, head.turn
    FROM (SELECT * FROM lane_heads ORDER BY turn, priority DESC, id LIMIT 2 * ${wanted}) AS head
    JOIN tasks AS t ON t.id = head.id
    WHERE t.status = 'queued' AND t.buffered_by IS NULL
    ORDER BY head.turn, head.priority DESC, head.id
    LIMIT ${wanted}
    FOR UPDATE OF t SKIP LOCKED
  )`;

/**
 * The merge of the lanes, by (turn, priority DESC, id): keyed tasks, and the lane of tasks without a key
 * (`unkeyed`, locked in its own order), whose turns start after `unkeyedRunning`, as many as `room`, each
 * with its `rank` in that order (1: the first to start).
 * Without keyed tasks the unkeyed running are not counted (the lane is alone) and the order is exactly
 * the old one: priority DESC, id.
 */
const mergedCandidates = (room: string, unkeyedRunning: string): string => `
  candidates AS (
    SELECT id, row_number() OVER (ORDER BY turn, priority DESC, id) AS rank FROM (
      SELECT id, priority, turn FROM (
        SELECT id, priority, turn FROM keyed
        UNION ALL
        SELECT id, priority,
               CASE WHEN EXISTS (SELECT FROM claimable_lanes) THEN ${unkeyedRunning} ELSE 0 END
               + row_number() OVER (ORDER BY priority DESC, id)
        FROM unkeyed
      ) AS merged
      ORDER BY turn, priority DESC, id
      LIMIT ${room}) AS taken
  )`;

/**
 * The update that claims the CTE `candidates` (SLOTTED, then claimSlotted returning `returning`): the first
 * in rank order get the free slot numbers, one each, which names the holder in worker_id; candidates
 * ranked past the free slots (a claim ahead, CLAIM_TASKS's $7) get no slot and go to bufferSlotted. The start is
 * statement_timestamp(), not now(): in CLAIM_FROM_QUEUE's transaction now() is the time before LOCK_QUEUE
 * waited, earlier than starts another replica committed meanwhile, which a rate limit must count. Not
 * announced here (see task_events): the caller hands the claimed tasks to TaskChangeAnnouncer.
 * $2 free slot numbers, $3 replica id, $4 lease in ms.
 */
const SLOTTED = `
  slotted AS (
    SELECT id, ($2::int[])[rank] AS slot FROM candidates
  )`;
const claimSlotted = (returning: string): string => `
  UPDATE tasks AS t
  SET status = 'running',
      attempt = t.attempt + 1,
      worker_id = $3 || '/' || slotted.slot,
      started_at = statement_timestamp(),
      progress = NULL, -- an earlier attempt's progress says nothing about this one
      lease_expires_at = statement_timestamp() + $4 * interval '1 millisecond'
  FROM slotted
  WHERE t.id = slotted.id AND slotted.slot IS NOT NULL
  RETURNING ${returning}`;

/**
 * The candidates without a slot: claimed ahead into this replica's buffer. They stay `queued` (nothing
 * started; GET /tasks says so), held by `buffered_by` until `lease_expires_at`, which leaves them out of
 * every other claim; RECORD_STARTS starts them when slots free up (docs/design.md, "Claiming ahead").
 * `buffered_by` is this buffering's own mark, `<replica id>#<claim number>` ($8), not the replica id: a
 * write meant for this buffering of a task cannot land on a later one by the same replica.
 * $4 lease in ms.
 */
const bufferSlotted = (returning: string): string => `
  UPDATE tasks AS t
  SET buffered_by = $8,
      lease_expires_at = statement_timestamp() + $4 * interval '1 millisecond'
  FROM slotted
  WHERE t.id = slotted.id AND slotted.slot IS NULL
  RETURNING ${returning}`;

/** How many tasks CLAIM_TASKS takes at most: one per free slot ($2), and $7 more ahead into the buffer. */
const WANTED = '(cardinality($2::int[]) + $7::int)';

/**
 * Claim up to one task per free slot, and $7 more into this replica's buffer, from the queues without
 * settings that need their lock (only these are ever buffered): the lanes
 * in turn (keyed tasks, one lane per queue and key, and the unkeyed tasks as one more lane; the lane with
 * the fewest tasks running goes first), each lane highest priority first, then oldest. `unkeyed` holds a
 * `FOR UPDATE SKIP LOCKED` select in a CTE so the planner cannot lock more rows than the LIMIT, and
 * concurrent claimers on other replicas skip rows already taken instead of waiting for them; while keyed
 * tasks are queued it may lock a few rows that the merge then leaves, until the statement ends. Queues
 * left out are read from the queues table in the statement itself, so a pause holds at once.
 * The best-ranked take the free slots and start (`running`); the rest are buffered and stay `queued`. A
 * claim for no slot (only ahead) commits without waiting for the WAL flush: lost in a crash, its tasks
 * were only buffered, and RECORD_STARTS then finds them no longer ours.
 * $1 task types this replica can run, $2 free slot numbers, $3 replica id, $4 lease in ms, $5 the queues
 * this replica works (null: all), $6 queues it claims one by one instead (its own limits), $7 how many
 * to claim ahead into the buffer, $8 the mark the buffered ones get in `buffered_by` (bufferSlotted), $9
 * task ids not to claim (notLeftOut).
 */
export const CLAIM_TASKS = `
  WITH RECURSIVE ${commitWithoutFlushWhen('cardinality($2::int[]) = 0')},
  ${lanesOfKeyedTasks(() => 'true')},
  claimable_lanes AS (
    SELECT lane.queue, lane.concurrency_key, ${RUNNING_IN_LANE} AS running, ${WANTED} AS room
    FROM lanes AS lane
    WHERE ($5::text[] IS NULL OR queue = ANY($5::text[])) AND queue <> ALL($6::text[])
      AND queue <> ALL (${QUEUES_NOT_ON_THE_FAST_PATH})
  ), ${keyedCandidates(WANTED, '$9')},
  unkeyed AS (
    SELECT id, priority FROM tasks
    -- The type is tested with array_position, not \`type = ANY\`: that would steer the planner to the
    -- tasks_type_newest index and, with stale statistics (a fresh burst of inserts), a sort of every
    -- queued row, 10x slower than walking the claim order (4-6 ms against 0.45 ms, 20,000 queued). Nor
    -- \`(type || '') = ANY\`, which did that job until claims took more than about 100 rows: its guessed
    -- selectivity (0.5 %) made the planner expect fewer matches than the LIMIT and sort the whole queue
    -- instead of walking the index (17 against 2.5 ms for 100 rows ahead, 20,000 queued).
    WHERE status = 'queued' AND concurrency_key IS NULL AND buffered_by IS NULL AND run_at <= now()
      AND array_position($1::text[], type) IS NOT NULL
      AND ($5::text[] IS NULL OR (queue || '') = ANY($5::text[])) AND (queue || '') <> ALL($6::text[])
      AND (queue || '') <> ALL (${QUEUES_NOT_ON_THE_FAST_PATH}) AND ${notLeftOut('$9')}
    ORDER BY priority DESC, id
    LIMIT ${WANTED}
    FOR UPDATE SKIP LOCKED
  ), ${mergedCandidates(WANTED, `(SELECT count(*) FROM tasks WHERE status = 'running' AND concurrency_key IS NULL)`)},
  ${SLOTTED},
  started AS (${claimSlotted(`${TRACED_TASK_COLUMNS}, ${REQUEST_ID_COLUMN}`)}),
  buffered AS (${bufferSlotted(`${TRACED_TASK_COLUMNS}, ${REQUEST_ID_COLUMN}`)})
  SELECT * FROM started
  -- Joined so that commit_without_flush runs (a CTE nobody reads is not run); it matters only when
  -- something was buffered.
  UNION ALL SELECT buffered.* FROM buffered CROSS JOIN commit_without_flush`;

/**
 * Serialises the claims of one queue across replicas for the rest of the transaction, so that
 * CLAIM_FROM_QUEUE's counts (running tasks, per key, recent starts) cannot be overtaken by another
 * replica's claim. $1 queue.
 */
export const LOCK_QUEUE = `SELECT pg_advisory_xact_lock(hashtextextended('tasksystem.queue:' || $1, 0))`;

/** Starts of queue $5 in the rate limit's window before this statement, for `$key` (a condition on `s`). */
const startsInWindow = (key: string): string => `
  (SELECT count(*) FROM queue_starts AS s
   WHERE s.queue = $5 AND ${key}
     AND s.started_at > statement_timestamp() - q.rate_interval_ms * interval '1 millisecond')`;

/**
 * Claim from one queue, as CLAIM_TASKS does, but no more than its room: nothing while it is paused; with
 * a concurrency limit no more than the limit minus the tasks running in it on every replica; with a
 * per-key limit no more per key than that limit minus the key's running tasks; with a rate limit no more
 * than the limit minus the starts of the last interval (the queue's, or the key's with `rate_per_key`,
 * where the tasks without a key count as one key). Run after LOCK_QUEUE in the same transaction: the
 * statement's snapshot then includes every other replica's claim and start, so the limits hold under
 * races. A rate-limited queue records each start in queue_starts and prunes those older than the
 * interval, in this statement: the record and the task's started_at are the same instant.
 * $1 task types, $2 free slot numbers (at most this replica's own room in the queue), $3 replica id,
 * $4 lease in ms, $5 queue, $6 task ids not to claim (notLeftOut).
 */
export const CLAIM_FROM_QUEUE = `
  WITH RECURSIVE settings AS (
    SELECT COALESCE(q.paused, false) AS paused, q.concurrency, q.key_concurrency, q.rate_limit,
           q.rate_interval_ms, COALESCE(q.rate_per_key, false) AS rate_per_key
    FROM (SELECT $5::text AS name) AS wanted LEFT JOIN queues AS q ON q.name = wanted.name
  ), room AS (
    SELECT CASE WHEN q.paused THEN 0
                ELSE LEAST(cardinality($2::int[]),
                           q.concurrency - (SELECT count(*) FROM tasks WHERE status = 'running' AND queue = $5),
                           CASE WHEN NOT q.rate_per_key THEN q.rate_limit - ${startsInWindow('true')} END)
           END AS n,
           CASE WHEN q.rate_per_key
                THEN q.rate_limit - ${startsInWindow('s.concurrency_key IS NULL')} END AS unkeyed_rate_room
    FROM settings AS q
  ), ${lanesOfKeyedTasks((queue) => `${queue} = $5`)},
  counted_lanes AS (
    SELECT lane.queue, lane.concurrency_key, ${RUNNING_IN_LANE} AS running FROM lanes AS lane
  ), claimable_lanes AS (
    SELECT lane.queue, lane.concurrency_key, lane.running,
           LEAST((SELECT n FROM room), q.key_concurrency - lane.running,
                 CASE WHEN q.rate_per_key
                      THEN q.rate_limit - ${startsInWindow('s.concurrency_key = lane.concurrency_key')} END
           ) AS room
    FROM counted_lanes AS lane CROSS JOIN settings AS q
  ), ${keyedCandidates('cardinality($2::int[])', '$6')},
  unkeyed AS (
    SELECT id, priority FROM tasks
    WHERE status = 'queued' AND concurrency_key IS NULL AND buffered_by IS NULL AND run_at <= now()
      AND array_position($1::text[], type) IS NOT NULL AND queue = $5 AND ${notLeftOut('$6')}
    ORDER BY priority DESC, id
    LIMIT GREATEST(0, (SELECT LEAST(n, unkeyed_rate_room) FROM room))
    FOR UPDATE SKIP LOCKED
  ), ${mergedCandidates(
    'GREATEST(0, (SELECT n FROM room))',
    `(SELECT count(*) FROM tasks WHERE status = 'running' AND queue = $5 AND concurrency_key IS NULL)`,
  )},
  ${SLOTTED},
  claimed AS (${claimSlotted('t.*')}),
  recorded AS (
    INSERT INTO queue_starts (queue, concurrency_key, started_at)
    SELECT $5, claimed.concurrency_key, claimed.started_at FROM claimed
    WHERE (SELECT rate_limit FROM settings) IS NOT NULL
  ), pruned AS (
    DELETE FROM queue_starts AS s USING settings AS q
    WHERE s.queue = $5 AND s.started_at <= statement_timestamp() - q.rate_interval_ms * interval '1 millisecond'
  )
  SELECT ${TRACED_TASK_COLUMNS}, ${REQUEST_ID_COLUMN} FROM claimed AS t`;

/**
 * After CLAIM_FROM_QUEUE took fewer tasks than it was offered slots: in how many ms the rate limit of
 * queue $1 lets one more task start (its oldest start in the window leaves it), or null when no start
 * holds it back. Measured on the database's clock, so a replica's own clock does not matter.
 */
export const NEXT_RATE_WINDOW = `
  SELECT GREATEST(0, EXTRACT(epoch FROM
           min(s.started_at) + q.rate_interval_ms * interval '1 millisecond' - statement_timestamp()) * 1000
         )::float8 AS "inMs"
  FROM queues AS q JOIN queue_starts AS s
    ON s.queue = q.name AND s.started_at > statement_timestamp() - q.rate_interval_ms * interval '1 millisecond'
  WHERE q.name = $1 AND q.rate_limit IS NOT NULL
  GROUP BY q.rate_interval_ms, q.rate_limit, q.rate_per_key
  -- Per key: some key's window opens then; across the queue: only if the limit is what holds it back.
  HAVING q.rate_per_key OR count(*) >= q.rate_limit`;
