import { buildReplica } from './systems/tasksystem.js';
import { loadTaskSystemBuild } from './task-system-build.js';

/**
 * One TaskSystem replica process for the scaling workload, driven by its parent over IPC:
 * build the app → "ready"; "start" → lifecycle hooks run, the supervisor claims → "started";
 * "stop" → graceful close → exit 0. Its environment (DATABASE_URL, WORKER_CONCURRENCY, and BENCH_DIST: the
 * build to run) comes from the parent.
 */
const send = (message: string): void => void process.send?.(message);

const build = await loadTaskSystemBuild(process.env.BENCH_DIST ? new URL(process.env.BENCH_DIST) : undefined);
const replica = await buildReplica(
  process.env.DATABASE_URL ?? '',
  { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? '50' },
  build,
);
process.on('message', (message) => {
  if (message === 'start') void replica.start().then(() => send('started'));
  if (message === 'stop') void replica.close().then(() => process.exit(0));
});
// The parent's death must not leave a replica behind.
process.on('disconnect', () => void replica.close().finally(() => process.exit(0)));
send('ready');
