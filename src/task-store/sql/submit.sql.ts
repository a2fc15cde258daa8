// Submitting tasks: the insert, and the read of the tasks that hold idempotency keys.
import { RETURN_AND_ANNOUNCE, TASK_COLUMNS } from './shared.sql.js';

/**
 * Insert tasks given as parallel arrays, in array order (ids ascend with it, which is what FIFO means),
 * and announce them (which wakes idle workers). A task whose idempotency key a live task holds is not
 * inserted and not returned: the unique index settles races between replicas, and ON CONFLICT waits
 * for a concurrent insert of the same key to commit or roll back. The caller then reads the task that
 * holds it.
 * $1 types, $2 payloads, $3 priorities, $4 run-at instants (null: now), $5 max attempts, $6 timeouts,
 * $7 queues, $8 idempotency keys (null: none), $9 the ids of the requests that submit them (null: none),
 * $10 trace contexts (null: none), $11 concurrency keys (null: none).
 */
export const INSERT_TASKS = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::jsonb[], $3::smallint[], $4::timestamptz[], $5::int[], $6::int[],
                         $7::text[], $8::text[], $9::text[], $10::jsonb[], $11::text[])
      WITH ORDINALITY AS i(type, payload, priority, run_at, max_attempts, timeout_ms, queue, key, request_id,
                           trace_context, concurrency_key, position)
  ), changed AS (
    INSERT INTO tasks AS t (type, payload, priority, run_at, max_attempts, timeout_ms, queue, key, request_id,
                            trace_context, concurrency_key)
    SELECT type, payload, priority, COALESCE(run_at, now()), max_attempts, timeout_ms, queue, key, request_id,
           trace_context, concurrency_key
    FROM input ORDER BY position
    ON CONFLICT (key) WHERE key IS NOT NULL AND status IN ('queued', 'running') DO NOTHING
    RETURNING ${TASK_COLUMNS}
  )
  ${RETURN_AND_ANNOUNCE}
  ORDER BY changed.id`;

/**
 * For each of these idempotency keys, the newest task that holds it: a live one, or one that finished
 * less than $2 ms ago. $1 keys, $2 window in ms (0: live tasks only).
 */
export const GET_TASKS_BY_KEY = `
  SELECT DISTINCT ON (t.key) ${TASK_COLUMNS} FROM tasks AS t
  WHERE t.key = ANY($1::text[])
    AND (t.status IN ('queued', 'running') OR t.finished_at > now() - $2 * interval '1 millisecond')
  ORDER BY t.key, t.id DESC`;
