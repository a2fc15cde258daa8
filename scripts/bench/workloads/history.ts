import { withClient } from '../postgres.js';
import type { BenchServer } from '../postgres.js';

/**
 * Issue 4 item 4: does the queue stay fast as history grows? A template database holds `finished`
 * succeeded tasks (finished over the last 6 days, so TASK_RETENTION's default 7 days prunes none of them
 * during the run), vacuumed and analysed as autovacuum would have left a long-lived table. The workload
 * clones it and runs the ordinary drain on the clone; main.ts reports the rate against the same round's
 * empty-table drain.
 *
 * The rows are written straight into the tasks table (1,000,000 through the API would take longer than
 * the whole bench): if the schema moves finished tasks elsewhere, this is the one place to follow it.
 */
export async function createHistoryTemplate(server: BenchServer, template: string, finished: number): Promise<string> {
  const database = await server.createDatabase('tpl_history', template);
  await withClient(database.url, async (client) => {
    await client.query(
      `INSERT INTO tasks (type, payload, status, attempt, result, worker_id, created_at, started_at, finished_at)
       SELECT 'noop', jsonb_build_object('i', n), 'succeeded', 1, 'null'::jsonb, 'history/1',
              at, at + interval '1 millisecond', at + interval '2 milliseconds'
       FROM generate_series(1, $1::int) AS n,
            LATERAL (SELECT now() - interval '6 days' + (n::float / $1) * interval '6 days' AS at) AS t`,
      [finished],
    );
    await client.query('VACUUM ANALYZE tasks');
  });
  return database.name;
}
