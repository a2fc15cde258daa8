import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { startBareSubmitApp, BARE_TABLE } from '../bare-nest/bare-submit.app.js';
import { withClient } from '../postgres.js';
import { buildReplica } from '../systems/tasksystem.js';
import type { TaskSystemBuild } from '../task-system-build.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

interface AutocannonResult {
  duration: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  latency: { p50: number; p99: number };
}

export interface HttpLoad {
  seconds: number;
  connections: number;
}

/**
 * `connections` clients each sending its next `POST /tasks` as soon as the last is answered, for `seconds`.
 * autocannon runs as its own process: in this one it would share the event loop with the app it measures.
 * Every 201 must be a stored row of `table`; autocannon stops counting at the deadline, so up to one request
 * per connection may have been stored without its answer being counted.
 */
async function postLoad(
  baseUrl: string,
  { seconds, connections }: HttpLoad,
  stored: () => Promise<number>,
): Promise<{ rate: number; p50: number; p99: number }> {
  const { stdout } = await run(
    process.execPath,
    [
      require.resolve('autocannon/autocannon.js'),
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
      `${baseUrl}/tasks`,
    ],
    { maxBuffer: 16 * 1024 * 1024, timeout: (seconds + 30) * 1000 },
  );
  const result = JSON.parse(stdout) as AutocannonResult;
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`POST /tasks: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  const rows = await stored();
  if (rows < result['2xx'] || rows > result['2xx'] + connections) {
    throw new Error(`POST /tasks: ${result['2xx']} answered 201, ${rows} stored`);
  }
  return { rate: result['2xx'] / result.duration, p50: result.latency.p50, p99: result.latency.p99 };
}

const countRows = (url: string, table: string): Promise<number> =>
  withClient(url, async (client) => {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    return rows[0].n;
  });

/**
 * `POST /tasks` throughput through TaskSystem's whole HTTP path (Express, body parsing, the submission pipe,
 * the insert), on an API-only replica of `build` so no worker competes for the CPU.
 */
export async function httpSubmit(url: string, build: TaskSystemBuild, load: HttpLoad): Promise<Record<string, number>> {
  // THROTTLE_LIMIT 0: the per-address rate limit (issue 5) would turn a one-address load test into 429s;
  // this measures the path a request takes, not the limit. Ignored by builds that have no limiter.
  const replica = await buildReplica(url, { WORKER_ENABLED: 'false', THROTTLE_LIMIT: '0' }, build);
  try {
    await replica.start(true);
    const { rate, p50, p99 } = await postLoad(replica.baseUrl!, load, () => countRows(url, 'tasks'));
    return { 'http-submit': rate, 'http-submit-p50': p50, 'http-submit-p99': p99 };
  } finally {
    await replica.close();
  }
}

/** The same load against the bare Nest route (bare-nest/bare-submit.app.ts): the machine's ceiling for it. */
export async function httpCeiling(url: string, load: HttpLoad): Promise<Record<string, number>> {
  const app = await startBareSubmitApp(url);
  try {
    const { rate, p50, p99 } = await postLoad(app.baseUrl, load, () => countRows(url, BARE_TABLE));
    return { 'http-ceiling': rate, 'http-ceiling-p50': p50, 'http-ceiling-p99': p99 };
  } finally {
    await app.close();
  }
}
