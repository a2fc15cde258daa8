import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The replicas that run tasks, each as it last described itself: written at start-up and at each of its
 * heartbeats (every LEASE_MS/3), marked gone when it stops cleanly. Whether a replica is alive is computed
 * on read from `last_heartbeat_at` and its own `lease_ms` (a replica killed with `kill -9` writes nothing
 * more), so no job has to mark the dead. Its slots in use are not stored: they are its running tasks,
 * counted on read. One row per replica, rewritten in place: a tiny table.
 */
export class CreateWorkers1765000000000 implements MigrationInterface {
  name = 'CreateWorkers1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE workers (
        id                text PRIMARY KEY,
        host              text NOT NULL,
        pid               integer NOT NULL,
        version           text NOT NULL,
        started_at        timestamptz NOT NULL,
        task_types        text[] NOT NULL,
        slots             integer NOT NULL CHECK (slots > 0),
        queues            text[],
        queue_limits      jsonb NOT NULL DEFAULT '{}',
        lease_ms          integer NOT NULL CHECK (lease_ms > 0),
        last_heartbeat_at timestamptz NOT NULL DEFAULT now(),
        gone_at           timestamptz
      )`);
    await queryRunner.query(`COMMENT ON COLUMN workers.queues IS 'the queues it works; NULL: every queue'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE workers`);
  }
}
