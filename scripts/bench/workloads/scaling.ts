import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { perSecond, sleep, withTimeout } from '../stats.js';
import type { TaskSystemBuild } from '../task-system-build.js';

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
 * Drain with N replica processes of `build` sharing the database: `jobs` tasks of `type` queued, N processes
 * built and waiting, then the clock runs from just before they are all told to start until the tasks table
 * shows no live task.
 */
export async function scalingDrain(
  url: string,
  build: TaskSystemBuild,
  { replicas, jobs, concurrency, type }: { replicas: number; jobs: number; concurrency: number; type: string },
): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const children: ChildProcess[] = [];
  try {
    // Straight into the table with its defaults (queue 'default', priority 0, run now, 3 attempts), as
    // history.ts does: the repository's INSERT statement takes whatever columns the build added lately,
    // and this workload is about claiming, not submitting.
    await client.query(
      `INSERT INTO tasks (type, payload) SELECT $1, jsonb_build_object('i', n) FROM generate_series(0, $2::int - 1) AS n`,
      [type, jobs],
    );
    for (let n = 0; n < replicas; n++) {
      children.push(
        fork(REPLICA, [], {
          env: {
            ...process.env,
            DATABASE_URL: url,
            WORKER_CONCURRENCY: String(concurrency),
            BENCH_DIST: build.dist.href,
          },
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
