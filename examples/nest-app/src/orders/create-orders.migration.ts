import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOrders1767225600000 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL, status text NOT NULL DEFAULT 'placed')`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE orders');
  }
}
