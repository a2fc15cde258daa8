import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A queue table churns: every task is updated two or three times, and no update that changes `status`
 * can be HOT (status is in the partial indexes). Default autovacuum waits for 20% of the table to be
 * dead, which with a long history means never during a burst, and the claim then wades through dead
 * index entries. Vacuum and analyse it after 1% instead, without the cost-based pauses.
 */
export class TuneTasksAutovacuum1764460800000 implements MigrationInterface {
  name = 'TuneTasksAutovacuum1764460800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE tasks SET (
        autovacuum_vacuum_scale_factor = 0.01,
        autovacuum_vacuum_insert_scale_factor = 0.01,
        autovacuum_analyze_scale_factor = 0.01,
        autovacuum_vacuum_cost_delay = 0
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE tasks RESET (
        autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor,
        autovacuum_analyze_scale_factor, autovacuum_vacuum_cost_delay
      )`);
  }
}
