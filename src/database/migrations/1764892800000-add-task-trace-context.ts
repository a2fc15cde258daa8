import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The trace a task belongs to: the W3C `traceparent` (and `tracestate`) of the span that submitted it, as
 * `{"traceparent", "tracestate"}`, so that its attempts continue that trace on whichever replica claims
 * them. The claim returns it in its own statement (no query more per task). Null when tracing is off.
 * Nullable without a default, so adding it rewrites no row.
 */
export class AddTaskTraceContext1764892800000 implements MigrationInterface {
  name = 'AddTaskTraceContext1764892800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN trace_context jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN trace_context`);
  }
}
