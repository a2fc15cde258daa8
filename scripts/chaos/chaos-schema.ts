/**
 * What the check reads besides the tasks table, created in the run database before any replica starts.
 *
 * chaos_executions  one row per handler execution (chaos-handler.ts): who ran which attempt, from when to when.
 * chaos_faults      the kills and freezes run.ts caused, with their times, to excuse what a frozen holder did.
 * chaos_task_writes every write to a task that is, or was, terminal (a trigger): a task whose outcome was
 *                   written once has exactly one row; a second outcome write or a revived task adds more.
 */
export const CHAOS_SCHEMA = `
  CREATE TABLE chaos_executions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id     bigint      NOT NULL,
    worker_id   text        NOT NULL,
    replica_id  text        NOT NULL,
    attempt     integer     NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    outcome     text
  );
  CREATE INDEX chaos_executions_task ON chaos_executions (task_id, started_at);

  CREATE TABLE chaos_faults (
    replica_id text        NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('kill', 'freeze')),
    -- kill: SIGKILL sent .. the process reaped. freeze: SIGSTOP sent .. SIGCONT sent.
    started_at timestamptz NOT NULL,
    ended_at   timestamptz NOT NULL
  );

  CREATE TABLE chaos_task_writes (
    task_id    bigint      NOT NULL,
    old_status text        NOT NULL,
    new_status text        NOT NULL,
    worker_id  text,
    attempt    integer,
    written_at timestamptz NOT NULL DEFAULT clock_timestamp()
  );
  CREATE INDEX chaos_task_writes_task ON chaos_task_writes (task_id);

  CREATE FUNCTION chaos_record_task_write() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO chaos_task_writes (task_id, old_status, new_status, worker_id, attempt)
    VALUES (NEW.id, OLD.status, NEW.status, NEW.worker_id, NEW.attempt);
    RETURN NULL;
  END $$;

  CREATE TRIGGER chaos_task_writes AFTER UPDATE ON tasks FOR EACH ROW
    WHEN (NEW.status IN ('succeeded', 'failed', 'cancelled') OR OLD.status IN ('succeeded', 'failed', 'cancelled'))
    EXECUTE FUNCTION chaos_record_task_write();
`;
