import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recurring tasks. A schedule is its own row, not a task that re-submits itself: each replica claims due
 * rows with SKIP LOCKED and advances `next_run_at` in the transaction that submits the occurrence's task,
 * so exactly one replica submits each occurrence without a leader (see docs/schedules.md).
 * `last_task_id` has no foreign key: the retention job deletes old tasks, and a schedule outlives them.
 */
export class CreateSchedules1764547200000 implements MigrationInterface {
  name = 'CreateSchedules1764547200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE schedules (
        name         text        PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
        cron         text        NOT NULL,
        timezone     text        NOT NULL DEFAULT 'UTC',
        task         jsonb       NOT NULL,
        overlap      text        NOT NULL DEFAULT 'skip' CHECK (overlap IN ('skip', 'allow')),
        paused       boolean     NOT NULL DEFAULT false,
        source       text        NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'code')),
        next_run_at  timestamptz NOT NULL,
        last_run_at  timestamptz,
        last_task_id bigint,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    // Every replica asks "what is due?" about once a second: only running schedules, earliest first.
    await queryRunner.query(`CREATE INDEX schedules_due ON schedules (next_run_at) WHERE NOT paused`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE schedules`);
  }
}
