import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tasks table: the queue and the history in one place.
 *
 * Designed for the fault-handling work too: `worker_id` + `attempt` fence every outcome write (only the
 * current holder's attempt can finish a task), and `lease_expires_at` lets a live replica take back the
 * tasks of a dead one. Partial indexes keep the claimable and the running sets small however long the
 * history grows.
 */
export class CreateTasks1764288000000 implements MigrationInterface {
  name = 'CreateTasks1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tasks (
        id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        type                text        NOT NULL,
        queue               text        NOT NULL DEFAULT 'default',
        key                 text,
        payload             jsonb       NOT NULL DEFAULT 'null'::jsonb,
        status              text        NOT NULL DEFAULT 'queued'
                            CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        priority            smallint    NOT NULL DEFAULT 0 CHECK (priority BETWEEN -100 AND 100),
        run_at              timestamptz NOT NULL DEFAULT now(),
        attempt             integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
        max_attempts        integer     NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 100),
        timeout_ms          integer     CHECK (timeout_ms > 0),
        result              jsonb,
        error               jsonb,
        progress            jsonb,
        cancel_requested_at timestamptz,
        worker_id           text,
        lease_expires_at    timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        started_at          timestamptz,
        finished_at         timestamptz
      )`);
    // The claim reads this index in claim order; only waiting tasks are in it.
    await queryRunner.query(`CREATE INDEX tasks_claim_order ON tasks (priority DESC, id) WHERE status = 'queued'`);
    // Lease recovery and heartbeats look only at running tasks.
    await queryRunner.query(`CREATE INDEX tasks_running_lease ON tasks (lease_expires_at) WHERE status = 'running'`);
    // GET /tasks?status=…: newest first within a status.
    await queryRunner.query(`CREATE INDEX tasks_status_newest ON tasks (status, id DESC)`);
    await queryRunner.query(`CREATE INDEX tasks_type_newest ON tasks (type, id DESC)`);
    // Idempotency keys: unique while present; the database, not a read-then-write, settles races.
    await queryRunner.query(`CREATE UNIQUE INDEX tasks_key_unique ON tasks (key) WHERE key IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE tasks`);
  }
}
