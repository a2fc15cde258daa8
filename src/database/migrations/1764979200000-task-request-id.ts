import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The id of the HTTP request that submitted a task (its `X-Request-Id`), so that the task's own log
 * lines — started, ended, stopped — name that request on whichever replica runs it. Null for tasks
 * submitted otherwise (in process, by a schedule) and for tasks older than this column. Read by the
 * claim itself, never by the API.
 */
export class TaskRequestId1764979200000 implements MigrationInterface {
  name = 'TaskRequestId1764979200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Nullable without a default: PostgreSQL adds the column without rewriting the table.
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN request_id text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN request_id`);
  }
}
