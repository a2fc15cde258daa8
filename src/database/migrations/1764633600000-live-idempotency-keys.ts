import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An idempotency key holds while its task is queued or running (and, with IDEMPOTENCY_WINDOW, for a
 * while after it finished, which the submission checks itself): the unique index covers live tasks
 * only, so a key is free again once its task has ended, and the race between two replicas submitting
 * the same key is still settled by the index. A plain index finds finished tasks by key.
 */
export class LiveIdempotencyKeys1764633600000 implements MigrationInterface {
  name = 'LiveIdempotencyKeys1764633600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tasks_key_unique`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX tasks_live_key_unique ON tasks (key)
       WHERE key IS NOT NULL AND status IN ('queued', 'running')`,
    );
    await queryRunner.query(`CREATE INDEX tasks_key ON tasks (key, id DESC) WHERE key IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tasks_key`);
    await queryRunner.query(`DROP INDEX tasks_live_key_unique`);
    await queryRunner.query(`CREATE UNIQUE INDEX tasks_key_unique ON tasks (key) WHERE key IS NOT NULL`);
  }
}
