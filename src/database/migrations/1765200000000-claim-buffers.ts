import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Claim buffers (issue 16): a replica may claim a few tasks ahead of its free slots and hold them while
 * they are still `queued` (docs/design.md, "Claiming ahead").
 *
 * - `tasks.buffered_by`: the buffering holding the queued task, `<replica id>#<claim number>` (null:
 *   nobody; the mark of the claim that buffered it, so that a replica's bufferings are told apart). The buffer's
 *   deadline is `lease_expires_at`, which a queued task did not use: past it, lease recovery clears both.
 * - The claim indexes leave buffered tasks out (`buffered_by IS NULL` in their predicates), so claims on
 *   every replica walk past none of them; `tasks_buffered` finds expired buffers.
 *
 * The new claim indexes are built before the old ones are dropped, so claims keep an index throughout.
 */
export class ClaimBuffers1765200000000 implements MigrationInterface {
  name = 'ClaimBuffers1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN buffered_by text`);
    await this.rebuildClaimIndexes(queryRunner, 'AND buffered_by IS NULL');
    await queryRunner.query(
      `CREATE INDEX tasks_buffered ON tasks (lease_expires_at) WHERE status = 'queued' AND buffered_by IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX tasks_buffered`);
    await this.rebuildClaimIndexes(queryRunner, '');
    await queryRunner.query(`UPDATE tasks SET lease_expires_at = NULL WHERE status = 'queued'`);
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN buffered_by`);
  }

  private async rebuildClaimIndexes(queryRunner: QueryRunner, unbuffered: string): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX tasks_claim_order_unkeyed_new ON tasks (priority DESC, id)
       WHERE status = 'queued' AND concurrency_key IS NULL ${unbuffered}`,
    );
    await queryRunner.query(
      `CREATE INDEX tasks_claim_lanes_new ON tasks (queue, concurrency_key, priority DESC, id)
       WHERE status = 'queued' AND concurrency_key IS NOT NULL ${unbuffered}`,
    );
    for (const index of ['tasks_claim_order_unkeyed', 'tasks_claim_lanes']) {
      await queryRunner.query(`DROP INDEX ${index}`);
      await queryRunner.query(`ALTER INDEX ${index}_new RENAME TO ${index}`);
    }
  }
}
