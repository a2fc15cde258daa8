import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Lets the retention job find the oldest finished tasks without reading the live ones. */
export class IndexFinishedTasks1764374400000 implements MigrationInterface {
  name = 'IndexFinishedTasks1764374400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX tasks_finished_at ON tasks (finished_at) WHERE status IN ('succeeded', 'failed', 'cancelled')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tasks_finished_at`);
  }
}
