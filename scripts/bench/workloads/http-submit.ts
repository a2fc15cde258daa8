import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import pg from 'pg';
import { buildReplica } from '../systems/tasksystem.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

interface AutocannonResult {
  duration: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  latency: { p50: number; p99: number };
}

/**
 * `POST /tasks` throughput through the whole HTTP path (Express, body parsing, the submission pipe, the
 * insert), on an API-only replica so no worker competes for the CPU, with `connections` clients each
 * sending its next request as soon as the last is answered. autocannon runs as its own process:
 * in this one it would share the event loop with the app it measures.
 */
export async function httpSubmit(
  url: string,
  { seconds, connections }: { seconds: number; connections: number },
): Promise<Record<string, number>> {
  // THROTTLE_LIMIT 0: the per-address rate limit (issue 5) would turn a one-address load test into 429s;
  // this measures the path a request takes, not the limit. Ignored by builds that have no limiter.
  const replica = await buildReplica(url, { WORKER_ENABLED: 'false', THROTTLE_LIMIT: '0' });
  try {
    await replica.start(true);
    const autocannon = require.resolve('autocannon/autocannon.js');
    const { stdout } = await run(
      process.execPath,
      [
        autocannon,
        '--json',
        '-c',
        String(connections),
        '-d',
        String(seconds),
        '-m',
        'POST',
        '-H',
        'content-type=application/json',
        '-b',
        JSON.stringify({ type: 'noop', payload: { i: 0 } }),
        `${replica.baseUrl}/tasks`,
      ],
      { maxBuffer: 16 * 1024 * 1024, timeout: (seconds + 30) * 1000 },
    );
    const result = JSON.parse(stdout) as AutocannonResult;
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`POST /tasks: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
    }
    // Every 201 must be a stored task. autocannon stops counting at the deadline, so up to one request per
    // connection may have been stored without its answer being counted.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks');
    await client.end();
    const stored = rows[0].n;
    if (stored < result['2xx'] || stored > result['2xx'] + connections) {
      throw new Error(`POST /tasks: ${result['2xx']} answered 201, ${stored} stored`);
    }
    return {
      'http-submit': result['2xx'] / result.duration,
      'http-submit-p50': result.latency.p50,
      'http-submit-p99': result.latency.p99,
    };
  } finally {
    await replica.close();
  }
}
