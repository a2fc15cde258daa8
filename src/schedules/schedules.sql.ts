/**
 * Every SQL statement on the schedules table, named and explained. Only SchedulesRepository runs them.
 * One reads the tasks table, which TaskRepository owns: CLAIM_DUE_SCHEDULES reads the status of each
 * schedule's last task (overlap `skip`). An occurrence's task is inserted by TaskRepository.insertWith,
 * inside the claim's transaction.
 */

/** The Schedule shape, straight from a row aliased `s`. A paused schedule shows no next run. */
const SCHEDULE_COLUMNS = `
  s.name, s.cron, s.timezone, s.task, s.overlap, s.paused, s.source,
  CASE WHEN s.paused THEN NULL ELSE s.next_run_at END AS "nextRunAt",
  s.last_run_at AS "lastRunAt", s.last_task_id::text AS "lastTaskId",
  s.created_at AS "createdAt", s.updated_at AS "updatedAt"`;

/** Every schedule, by name (there are few: no paging). */
export const LIST_SCHEDULES = `SELECT ${SCHEDULE_COLUMNS} FROM schedules AS s ORDER BY s.name`;

/** One schedule. $1 name. */
export const GET_SCHEDULE = `SELECT ${SCHEDULE_COLUMNS} FROM schedules AS s WHERE s.name = $1`;

/**
 * Create a schedule declared over the API. A name already taken inserts nothing and returns no row (a
 * 409), whoever won the race: the primary key settles it, not a read-then-write.
 * $1 name, $2 cron, $3 timezone, $4 task (JSON text), $5 overlap, $6 paused, $7 next run.
 */
export const INSERT_SCHEDULE = `
  INSERT INTO schedules AS s (name, cron, timezone, task, overlap, paused, source, next_run_at)
  VALUES ($1, $2, $3, $4::jsonb, $5, $6, 'api', $7)
  ON CONFLICT (name) DO NOTHING
  RETURNING ${SCHEDULE_COLUMNS}`;

/**
 * Change a schedule. The caller has merged the change into the whole definition and worked out the next
 * run when the timing changed or the schedule was resumed; otherwise ($7 null) the stored next run stays,
 * whatever a replica firing the schedule meanwhile moved it to.
 * $1 name, $2 cron, $3 timezone, $4 task (JSON text), $5 overlap, $6 paused, $7 next run or null.
 */
export const UPDATE_SCHEDULE = `
  UPDATE schedules AS s
  SET cron = $2, timezone = $3, task = $4::jsonb, overlap = $5, paused = $6,
      next_run_at = COALESCE($7::timestamptz, s.next_run_at), updated_at = now()
  WHERE s.name = $1
  RETURNING ${SCHEDULE_COLUMNS}`;

/**
 * Delete a schedule declared over the API; no row: there is none (one declared in code is deleted by
 * removing it from the code). Tasks it already submitted stay. $1 name.
 */
export const DELETE_SCHEDULE = `
  DELETE FROM schedules AS s WHERE s.name = $1 AND s.source = 'api' RETURNING ${SCHEDULE_COLUMNS}`;

/**
 * Upsert the schedules declared in code, at start-up; returns those created or changed. An existing one
 * keeps its next run, last run and pause unless its cron or time zone changed (then its next run is the
 * one computed now). A schedule of the same name created over the API becomes the code's.
 * $1 names, $2 crons, $3 timezones, $4 tasks (JSON text), $5 overlaps, $6 paused, $7 next runs.
 */
export const UPSERT_CODE_SCHEDULES = `
  INSERT INTO schedules AS s (name, cron, timezone, task, overlap, paused, source, next_run_at)
  SELECT name, cron, timezone, task, overlap, paused, 'code', next_run_at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::boolean[], $7::timestamptz[])
    AS i(name, cron, timezone, task, overlap, paused, next_run_at)
  ON CONFLICT (name) DO UPDATE
  SET cron = excluded.cron,
      timezone = excluded.timezone,
      task = excluded.task,
      overlap = excluded.overlap,
      source = 'code',
      next_run_at = CASE WHEN s.cron = excluded.cron AND s.timezone = excluded.timezone AND s.source = 'code'
                         THEN s.next_run_at ELSE excluded.next_run_at END,
      updated_at = now()
  -- Unchanged declarations are left alone (and not returned): a restart rewrites nothing.
  WHERE (s.cron, s.timezone, s.task, s.overlap, s.source)
        IS DISTINCT FROM (excluded.cron, excluded.timezone, excluded.task, excluded.overlap, 'code')
  RETURNING s.name, (xmax = 0) AS inserted`;

/**
 * Delete the schedules declared in code that this code no longer declares (removed from code: gone at
 * the next start-up). $1 names still declared.
 */
export const DELETE_UNDECLARED_CODE_SCHEDULES = `
  DELETE FROM schedules WHERE source = 'code' AND NOT (name = ANY($1::text[])) RETURNING name`;

/**
 * Claim the schedules that are due, in the transaction that will advance them. `FOR UPDATE SKIP LOCKED`
 * makes each due schedule go to exactly one of the replicas polling at once: the others skip the locked
 * row, and one that reads it after the commit finds next_run_at in the future (READ COMMITTED re-checks
 * the WHERE clause on the row as committed). Also returns whether the task of its previous occurrence is
 * still waiting or running (for overlap `skip`), and the database's clock, which decides what is due.
 * $1 how many at most.
 */
export const CLAIM_DUE_SCHEDULES = `
  SELECT s.name, s.cron, s.timezone, s.task, s.overlap, s.next_run_at AS "nextRunAt",
         s.last_task_id::text AS "lastTaskId",
         COALESCE(t.status IN ('queued', 'running'), false) AS "previousActive",
         now() AS "now"
  FROM schedules AS s
  LEFT JOIN tasks AS t ON t.id = s.last_task_id
  WHERE s.next_run_at <= now() AND NOT s.paused
  ORDER BY s.next_run_at
  LIMIT $1
  FOR UPDATE OF s SKIP LOCKED`;

/**
 * Around the insert of one occurrence's task in the claim's transaction: an insert that fails (a task the
 * tasks table refuses) is undone alone, and the claim goes on with the other schedules.
 */
export const BEFORE_SUBMIT = `SAVEPOINT submit_occurrence`;
export const AFTER_SUBMIT = `RELEASE SAVEPOINT submit_occurrence`;
export const UNDO_SUBMIT = `ROLLBACK TO SAVEPOINT submit_occurrence`;

/**
 * Move a claimed schedule past the occurrence it handled, recording the occurrence submitted and its task
 * (none when overlap `skip` held it back, or when the occurrence's key was already taken: those stay as
 * they were).
 * $1 name, $2 next run, $3 occurrence submitted (null: none), $4 its task id (null: none).
 */
export const ADVANCE_SCHEDULE = `
  UPDATE schedules
  SET next_run_at = $2,
      last_run_at = COALESCE($3::timestamptz, last_run_at),
      last_task_id = COALESCE($4::bigint, last_task_id)
  WHERE name = $1`;

/**
 * How long until the earliest next run, by the database's clock (what CLAIM_DUE_SCHEDULES compares
 * with), in ms; null when nothing is scheduled.
 */
export const MS_UNTIL_NEXT_DUE = `
  SELECT CASE WHEN min(next_run_at) IS NULL THEN NULL
              -- GREATEST skips nulls: without the CASE, no schedule at all would read as "due now".
              ELSE GREATEST(0, EXTRACT(EPOCH FROM (min(next_run_at) - clock_timestamp())) * 1000)::float8 END AS "ms"
  FROM schedules WHERE NOT paused`;
