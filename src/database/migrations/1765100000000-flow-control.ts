import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Flow control (issue 15): concurrency keys, fairness between them, and rate limits.
 *
 * - `tasks.concurrency_key`: a tenant, an account… Tasks of one key form a lane of their own; claims take
 *   lanes in turn (docs/design.md). Nullable, no default: adding it rewrites nothing.
 * - The claim order is split in two: tasks without a key keep the old order (priority DESC, id) in
 *   `tasks_claim_order_unkeyed`, which replaces `tasks_claim_order` (same rows while nobody uses keys),
 *   so a backlog of keyed tasks never lies in the path of the unkeyed scan; `tasks_claim_lanes` holds the
 *   keyed ones by lane, for the loose index scan over distinct keys and the top of each lane.
 * - `tasks_running_by_key`: the per-key count of running tasks that `keyConcurrency` needs.
 * - `queues.key_concurrency` and the rate limit (`rate_limit` starts per `rate_interval_ms`, across the
 *   queue or per key).
 * - `queue_starts`: the recent starts of rate-limited queues only, written and pruned by their claim.
 * - Schedules' stored tasks get `concurrencyKey: null`, the default every new one is read with.
 */
export class FlowControl1765100000000 implements MigrationInterface {
  name = 'FlowControl1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN concurrency_key text`);
    await queryRunner.query(
      `CREATE INDEX tasks_claim_order_unkeyed ON tasks (priority DESC, id)
       WHERE status = 'queued' AND concurrency_key IS NULL`,
    );
    await queryRunner.query(`DROP INDEX tasks_claim_order`);
    await queryRunner.query(
      `CREATE INDEX tasks_claim_lanes ON tasks (queue, concurrency_key, priority DESC, id)
       WHERE status = 'queued' AND concurrency_key IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX tasks_running_by_key ON tasks (queue, concurrency_key)
       WHERE status = 'running' AND concurrency_key IS NOT NULL`,
    );
    await queryRunner.query(`
      ALTER TABLE queues
        ADD COLUMN key_concurrency  integer CHECK (key_concurrency > 0),
        ADD COLUMN rate_limit       integer CHECK (rate_limit > 0),
        ADD COLUMN rate_interval_ms integer CHECK (rate_interval_ms > 0),
        ADD COLUMN rate_per_key     boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT queues_rate_limit_whole CHECK ((rate_limit IS NULL) = (rate_interval_ms IS NULL))`);
    // Logged, unlike a cache: after a crash the starts of the last interval must still count.
    await queryRunner.query(`
      CREATE TABLE queue_starts (
        queue           text        NOT NULL,
        concurrency_key text,
        started_at      timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX queue_starts_window ON queue_starts (queue, concurrency_key, started_at)`);
    await queryRunner.query(`UPDATE schedules SET task = task || '{"concurrencyKey": null}'::jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE schedules SET task = task - 'concurrencyKey'`);
    await queryRunner.query(`DROP TABLE queue_starts`);
    await queryRunner.query(`
      ALTER TABLE queues
        DROP CONSTRAINT queues_rate_limit_whole,
        DROP COLUMN rate_per_key, DROP COLUMN rate_interval_ms, DROP COLUMN rate_limit, DROP COLUMN key_concurrency`);
    await queryRunner.query(`CREATE INDEX tasks_claim_order ON tasks (priority DESC, id) WHERE status = 'queued'`);
    await queryRunner.query(`DROP INDEX tasks_claim_order_unkeyed`);
    await queryRunner.query(`DROP INDEX tasks_running_by_key`);
    await queryRunner.query(`DROP INDEX tasks_claim_lanes`);
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN concurrency_key`);
  }
}
