import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { fromDist } from '../from-dist.js';
import { perSecond, sleep, withTimeout } from '../stats.js';

const SQL = await fromDist<typeof import('../../../src/task-store/task.sql.js')>('task-store/task.sql.js');
const REPLICA = fileURLToPath(new URL('../replica.js', import.meta.url));

function nextMessage(child: ChildProcess, expected: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (message !== expected) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve();
    };
    const onExit = (code: number | null): void => reject(new Error(`replica exited (${code}) before "${expected}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * Drain with N replica processes sharing the database: `jobs` no-op tasks queued (by the repository's own
 * INSERT statement, batches of 1,000), N processes built and waiting, then the clock runs from just before
 * they are all told to start until the tasks table shows no live task.
 */
export async function scalingDrain(
  url: string,
  { replicas, jobs, concurrency }: { replicas: number; jobs: number; concurrency: number },
): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const children: ChildProcess[] = [];
  try {
    for (let from = 0; from < jobs; from += 1000) {
      const count = Math.min(1000, jobs - from);
      const column = <T>(value: T): T[] => Array.from({ length: count }, () => value);
      await client.query(SQL.INSERT_TASKS, [
        column('noop'),
        Array.from({ length: count }, (_, k) => JSON.stringify({ i: from + k })),
        column(0),
        column(null),
        column(3),
        column(null),
        column('default'),
        column(null), // idempotency keys
        column(null), // submitting request ids
        column(null), // trace contexts
        column(null), // concurrency keys
      ]);
    }
    for (let n = 0; n < replicas; n++) {
      children.push(
        fork(REPLICA, [], {
          env: { ...process.env, DATABASE_URL: url, WORKER_CONCURRENCY: String(concurrency) },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      );
    }
    await withTimeout(
      Promise.all(children.map((child) => nextMessage(child, 'ready'))),
      60_000,
      () => 'replicas not ready',
    );
    const startedAt = performance.now();
    for (const child of children) child.send('start');
    let doneAt: number;
    for (;;) {
      const { rows } = await client.query<{ live: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM tasks WHERE status = 'queued')
             OR EXISTS (SELECT 1 FROM tasks WHERE status = 'running') AS live`,
      );
      if (!rows[0].live) {
        doneAt = performance.now();
        break;
      }
      if (performance.now() - startedAt > 300_000) throw new Error('scaling: not drained after 300 s');
      await sleep(5);
    }
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tasks WHERE status = 'succeeded'`,
    );
    if (rows[0].n !== jobs) throw new Error(`scaling: ${rows[0].n} of ${jobs} tasks succeeded`);
    return perSecond(jobs, doneAt - startedAt);
  } finally {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.send('stop');
        await withTimeout(exited, 15_000, () => 'replica did not stop').catch(() => child.kill('SIGKILL'));
      }),
    );
    await client.end();
  }
}
