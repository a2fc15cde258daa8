import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settings of named queues: paused, and a cluster-wide concurrency limit. A queue needs no row to exist
 * (tasks name their queue); a row appears when someone pauses or limits it. Claims read this table in
 * their own statement, so it stays tiny and hot in cache.
 */
export class CreateQueues1764806400000 implements MigrationInterface {
  name = 'CreateQueues1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE queues (
        name        text PRIMARY KEY,
        paused      boolean NOT NULL DEFAULT false,
        concurrency integer CHECK (concurrency > 0),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE queues`);
  }
}
