// The queues table: the settings of named queues (pause, cluster-wide concurrency). The claim reads it
// in its own statement (task-store/task.sql.ts); these are the statements of the queues API.

/** Every queue's settings (only queues that were paused or limited have a row). */
export const LIST_QUEUE_SETTINGS = `SELECT name, paused, concurrency FROM queues ORDER BY name`;

/** Pause ($2 true) or resume ($2 false) queue $1. Claims read it in their own statement. */
export const SET_QUEUE_PAUSED = `
  INSERT INTO queues (name, paused) VALUES ($1, $2)
  ON CONFLICT (name) DO UPDATE SET paused = EXCLUDED.paused, updated_at = now()
  RETURNING name, paused, concurrency`;

/** Set ($2) or lift ($2 null) the cluster-wide concurrency limit of queue $1. */
export const SET_QUEUE_CONCURRENCY = `
  INSERT INTO queues (name, concurrency) VALUES ($1, $2)
  ON CONFLICT (name) DO UPDATE SET concurrency = EXCLUDED.concurrency, updated_at = now()
  RETURNING name, paused, concurrency`;
