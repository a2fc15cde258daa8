// The queues table: the settings of named queues (pause, cluster-wide concurrency, per-key concurrency,
// rate limit). The claim reads it in its own statement (task-store/sql/claim.sql.ts); these are the
// statements of the queues API.

/** A settings row in the QueueSettings shape. */
const SETTINGS_COLUMNS = `
  name, paused, concurrency, key_concurrency AS "keyConcurrency",
  CASE WHEN rate_limit IS NULL THEN NULL
       ELSE json_build_object('limit', rate_limit, 'intervalMs', rate_interval_ms, 'perKey', rate_per_key)
  END AS "rateLimit"`;

/** Every queue's settings (only queues that were paused or limited have a row). */
export const LIST_QUEUE_SETTINGS = `SELECT ${SETTINGS_COLUMNS} FROM queues ORDER BY name`;

/** Pause ($2 true) or resume ($2 false) queue $1. Claims read it in their own statement. */
export const SET_QUEUE_PAUSED = `
  INSERT INTO queues (name, paused) VALUES ($1, $2)
  ON CONFLICT (name) DO UPDATE SET paused = EXCLUDED.paused, updated_at = now()
  RETURNING ${SETTINGS_COLUMNS}`;

/**
 * Change the limits of queue $1 that are given ($2 true: concurrency $3; $4 true: key concurrency $5;
 * $6 true: rate limit $7 starts per $8 ms, per key if $9), each null to lift it. A lifted rate limit
 * leaves no starts behind: a later one starts from an empty window.
 */
export const SET_QUEUE_LIMITS = `
  WITH updated AS (
    INSERT INTO queues AS q (name, concurrency, key_concurrency, rate_limit, rate_interval_ms, rate_per_key)
    VALUES ($1, $3, $5, $7, $8, COALESCE($9, false))
    ON CONFLICT (name) DO UPDATE SET
      concurrency = CASE WHEN $2 THEN EXCLUDED.concurrency ELSE q.concurrency END,
      key_concurrency = CASE WHEN $4 THEN EXCLUDED.key_concurrency ELSE q.key_concurrency END,
      rate_limit = CASE WHEN $6 THEN EXCLUDED.rate_limit ELSE q.rate_limit END,
      rate_interval_ms = CASE WHEN $6 THEN EXCLUDED.rate_interval_ms ELSE q.rate_interval_ms END,
      rate_per_key = CASE WHEN $6 THEN EXCLUDED.rate_per_key ELSE q.rate_per_key END,
      updated_at = now()
    RETURNING *
  ), forgotten AS (
    DELETE FROM queue_starts WHERE queue = $1 AND (SELECT rate_limit FROM updated) IS NULL
  )
  SELECT ${SETTINGS_COLUMNS} FROM updated`;
