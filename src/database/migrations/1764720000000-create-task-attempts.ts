import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The history of attempts that did not succeed: each failed, timed-out, stopped or lease-expired attempt
 * with its worker, start, end and error, kept when the task is retried (its row is then reset). An
 * attempt that succeeded, or one still running, needs no row: the task itself says it, so a drain of
 * tasks that succeed writes nothing here. Deleted with their task.
 */
export class CreateTaskAttempts1764720000000 implements MigrationInterface {
  name = 'CreateTaskAttempts1764720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE task_attempts (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        task_id     bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        attempt     integer NOT NULL,
        worker_id   text NOT NULL,
        status      text NOT NULL CHECK (status IN ('succeeded', 'failed', 'cancelled')),
        error       jsonb,
        started_at  timestamptz NOT NULL,
        finished_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX task_attempts_of_task ON task_attempts (task_id, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE task_attempts`);
  }
}
