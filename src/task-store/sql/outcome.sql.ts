// What an attempt came to: its outcome, its progress, or its task handed back at shutdown.
import {
  RETURN_AND_ANNOUNCE,
  STOPPED_ERROR,
  OUTCOME_COLUMNS,
  TASK_COLUMNS,
  failedAttemptOutcome,
  handlerStartedAt,
  recordAttempts,
  returnAndAnnounce,
} from './shared.sql.js';
import { inBuffering } from './buffer.sql.js';

/** Where a finished attempt leaves its task: as failedAttemptOutcome, or `succeeded` when it has no error. */
export const FINISHED_ATTEMPT_OUTCOME = `
  CASE WHEN t.cancel_requested_at IS NULL AND input.error IS NULL THEN 'succeeded'
       ELSE ${failedAttemptOutcome('input.give_up', 'input.attempt')} END`;

/**
 * The row \`t\` holds the attempt described by \`input\`: running it under its worker id and number, or, when
 * the attempt's start is written with its outcome (\`started_ms\` given), still in the buffering it was
 * started from (inBuffering), one attempt before.
 */
const HOLDS_THE_ATTEMPT = `
  (input.started_ms IS NULL AND t.worker_id = input.worker_id AND t.attempt = input.attempt AND t.status = 'running')
  OR (input.started_ms IS NOT NULL AND ${inBuffering('input.buffering')} AND t.attempt = input.attempt - 1)`;

/**
 * Handlers returned or threw: write what each attempt came to. A success ends `succeeded` with its
 * result; a failure goes back to `queued` to run again after its retry delay, or ends `failed` once the
 * attempts are used up or retrying is ruled out; either ends `cancelled` if a stop was asked meanwhile (a
 * stop that was accepted always ends in `cancelled`). Many outcomes go in one statement: one commit, one
 * WAL flush for a whole batch. Only the cancelled tasks are announced here (a DELETE may be waiting for
 * them); the caller hands the rest to TaskChangeAnnouncer. Fenced: only the holder's current attempt may
 * write; a row missing from the result was no longer ours. An attempt started from a claim buffer whose
 * handler ended before its start was written (a short task) has its start written here too, in the same
 * statement: attempt, worker id, started_at (handlerStartedAt), out of the buffer.
 * $1 ids, $2 worker ids, $3 attempts, $4 results (JSON text; null for a failure), $5 errors (JSON text;
 * null for a success), $6 retry delays in ms, $7 true: do not retry (both null for a success), $8 when the
 * handler started (ms since the epoch) for an attempt whose start is written here (else null), $9 the
 * marks of the bufferings those were started from. An array of nulls may come as one NULL: unnest pads the shorter arrays with nulls.
 */
export const FINISH_ATTEMPTS = `
  WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::jsonb[], $5::jsonb[], $6::int[], $7::boolean[],
                         $8::float8[], $9::text[])
      AS i(id, worker_id, attempt, result, error, retry_delay_ms, give_up, started_ms, buffering)
  ), changed AS (
    UPDATE tasks AS t
    SET status = ${FINISHED_ATTEMPT_OUTCOME},
        attempt = input.attempt,
        worker_id = input.worker_id,
        buffered_by = NULL,
        started_at = CASE WHEN input.started_ms IS NULL THEN t.started_at
                          -- now(), which finished_at is too: the start can never come after the end.
                          ELSE ${handlerStartedAt('input.started_ms', 'now()')} END,
        progress = CASE WHEN input.started_ms IS NULL THEN t.progress END,
        result = CASE WHEN t.cancel_requested_at IS NULL THEN input.result END,
        error = CASE WHEN t.cancel_requested_at IS NULL THEN input.error ELSE ${STOPPED_ERROR} END,
        run_at = CASE WHEN ${FINISHED_ATTEMPT_OUTCOME} = 'queued'
                      THEN now() + input.retry_delay_ms * interval '1 millisecond' ELSE t.run_at END,
        finished_at = CASE WHEN ${FINISHED_ATTEMPT_OUTCOME} = 'queued' THEN NULL ELSE now() END,
        lease_expires_at = NULL
    FROM input
    WHERE t.id = input.id AND (${HOLDS_THE_ATTEMPT})
    RETURNING ${OUTCOME_COLUMNS}
  ), recorded AS (
    ${recordAttempts('changed JOIN input ON input.id = changed.id WHERE input.error IS NOT NULL')}
  )
  ${returnAndAnnounce("status = 'cancelled'")}`;

/**
 * Store a handler's progress report on the task it runs, fenced like FINISH_ATTEMPTS, and announce it as
 * a `running` change. $1 id, $2 worker id, $3 attempt, $4 progress (JSON text).
 */
export const SAVE_PROGRESS = `
  WITH changed AS (
    UPDATE tasks AS t
    SET progress = $4::jsonb
    WHERE t.id = $1 AND t.worker_id = $2 AND t.attempt = $3 AND t.status = 'running'
    RETURNING t.id, t.status
  )
  ${RETURN_AND_ANNOUNCE}`;

/**
 * Hand a task back at shutdown: `queued` again without counting the attempt that was cut short (or
 * `cancelled` if a stop was asked); announced, which wakes another replica to take it. Fenced like
 * FINISH_ATTEMPTS.
 * $1 id, $2 worker id, $3 attempt.
 */
export const RELEASE_TASK = `
  WITH changed AS (
    UPDATE tasks AS t
    SET status = CASE WHEN t.cancel_requested_at IS NULL THEN 'queued' ELSE 'cancelled' END,
        attempt = CASE WHEN t.cancel_requested_at IS NULL THEN t.attempt - 1 ELSE t.attempt END,
        error = CASE WHEN t.cancel_requested_at IS NULL THEN t.error ELSE ${STOPPED_ERROR} END,
        finished_at = CASE WHEN t.cancel_requested_at IS NULL THEN NULL ELSE now() END,
        lease_expires_at = NULL
    WHERE t.id = $1 AND t.worker_id = $2 AND t.attempt = $3 AND t.status = 'running'
    RETURNING ${TASK_COLUMNS}
  )
  ${RETURN_AND_ANNOUNCE}`;
