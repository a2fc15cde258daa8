import { parseArgs } from 'node:util';

/** Every knob of one bench run. `--quick` picks smaller counts so that CI gets a result in about 3 minutes. */
export interface BenchOptions {
  quick: boolean;
  rounds: number;
  json: string | undefined;
  systems: string[];
  workloads: string[];
  /**
   * The drain's concurrencies (`--concurrency 5,10,50,500`): each system that can set how many jobs it
   * handles at once drains once per value, TaskSystem with that WORKER_CONCURRENCY.
   */
  drainConcurrencies: number[];
  /** TaskSystem's WORKER_CONCURRENCY in every other workload (and the main table's drain). */
  slots: number;
  /** The dist/ of another build to run as "TaskSystem (baseline)" in the drain and http-submit. */
  baseline: string | undefined;
  drainJobs: number;
  enqueueOneJobs: number;
  enqueueBatchJobs: number;
  batchSize: number;
  idleMs: number;
  latencySamples: number;
  latencyGapMs: number;
  stopSamples: number;
  httpSeconds: number;
  httpConnections: number;
  /** Replica processes of the scaling workload's 20 ms tasks, and how many tasks each drains (per process). */
  scalingReplicas: number[];
  scalingJobs: number;
  /** WORKER_CONCURRENCY of each of those processes. */
  scalingSlots: number;
  /** Replica processes of the scaling workload's no-op drain (at `slots` each), and its task count. */
  noopScalingReplicas: number[];
  noopScalingJobs: number;
  /** Rounds of the scaling workload (it is the slowest one: a process per replica, a drain per count). */
  scalingRounds: number;
  /** Finished tasks already in the table for the history workload's drain. */
  historyRows: number;
  historyRounds: number;
  /** Distinct concurrency keys of the keyed drain's jobs (round-robin over them). */
  drainKeys: number;
  pgbenchSeconds: number;
  pgbenchClients: number;
}

export const ALL_SYSTEMS = [
  'tasksystem',
  'pg-boss',
  'graphile-worker',
  'bullmq-pg',
  'bullmq-redis',
  'graphile-worker-plain',
] as const;
/** Asked for by name only: Redis is not the like-for-like store, and the plain graphile set-up is a footnote. */
const OPT_IN = ['bullmq-redis', 'graphile-worker-plain'];
export const ALL_WORKLOADS = [
  'pgbench',
  'drain',
  'enqueue-one',
  'enqueue-batch',
  'idle-latency',
  'stop-latency',
  'http-submit',
  'scaling',
  'history',
  'keyed-drain',
] as const;

// The method of shared/BENCHMARKING.md: drain 20,000 jobs, batches of 1,000, 200 latency samples 20 ms apart
// after 1.5 s idle, pgbench for 10 s with 8 clients before each system, 3 rounds; the drain at 5, 10, 50
// and 500 jobs at once. Cuts that keep a full run near 15 minutes on a busy 2-core machine: one-by-one
// enqueue runs 10,000 jobs, not 20,000 (a steady rate by then; at ~1,000/s it was 90 s a round), and the
// scaling drains are short: 4,000 tasks of 20 ms per process on 1, 2 and 4 processes of 10 slots (8 s at
// 500 jobs/s per process), 40,000 no-op tasks on 1 and 2 processes (about 2 s each: 10,000 took 0.5 s, too
// short for the ratio of the two to mean anything). One round of them swung from 0.93× to 1.18× (no-op, 2
// processes) between runs of the same build: they run in every round, and the report gives the medians.
// `--jobs 20000` sets 20,000 everywhere.
const FULL = {
  rounds: 3,
  drainConcurrencies: [5, 10, 50, 500],
  drainJobs: 20_000,
  enqueueOneJobs: 10_000,
  enqueueBatchJobs: 20_000,
  batchSize: 1000,
  idleMs: 1500,
  latencySamples: 200,
  latencyGapMs: 20,
  stopSamples: 100,
  httpSeconds: 5,
  httpConnections: 16,
  scalingReplicas: [1, 2, 4],
  scalingJobs: 4000,
  scalingSlots: 10,
  noopScalingReplicas: [1, 2],
  noopScalingJobs: 40_000,
  scalingRounds: 3,
  historyRows: 1_000_000,
  historyRounds: 1,
  drainKeys: 1000,
  pgbenchSeconds: 10,
  pgbenchClients: 8,
};

// Same shape, a quarter of the work or less: a smoke test of every code path, not a result to quote.
const QUICK: typeof FULL = {
  rounds: 2,
  drainConcurrencies: [10, 500],
  drainJobs: 5000,
  enqueueOneJobs: 2000,
  enqueueBatchJobs: 5000,
  batchSize: 1000,
  idleMs: 1500,
  latencySamples: 50,
  latencyGapMs: 20,
  stopSamples: 20,
  httpSeconds: 2,
  httpConnections: 16,
  scalingReplicas: [1, 2],
  scalingJobs: 1000,
  scalingSlots: 10,
  noopScalingReplicas: [1, 2],
  noopScalingJobs: 5000,
  scalingRounds: 1,
  historyRows: 100_000,
  historyRounds: 1,
  drainKeys: 1000,
  pgbenchSeconds: 3,
  pgbenchClients: 8,
};

const USAGE = `npm run bench -- [options]
  --quick                 smaller counts and fewer rounds (CI smoke run, about 3 minutes)
  --rounds N              rounds over all systems (full: ${FULL.rounds}, quick: ${QUICK.rounds})
  --json FILE             also write the results to FILE
  --systems a,b           among ${ALL_SYSTEMS.join(', ')}
                          (default: tasksystem, pg-boss, graphile-worker, bullmq-pg, and
                          bullmq-redis when REDIS_URL is set)
  --workloads a,b         among ${ALL_WORKLOADS.join(', ')} (default: all)
  --concurrency a,b       the drain's jobs at once (full: ${FULL.drainConcurrencies.join(',')}, quick: ${QUICK.drainConcurrencies.join(',')}):
                          TaskSystem's WORKER_CONCURRENCY, graphile-worker's concurrency, pg-boss's batch
  --slots N               TaskSystem WORKER_CONCURRENCY in every other workload (default 500)
  --baseline PATH         also run "TaskSystem (baseline)" from another checkout's build (PATH or PATH/dist,
                          built with npm ci && npm run build there) in the drain and http-submit
  --jobs N                drain, enqueue and no-op scaling counts (overrides the profile)
  --pgbench-seconds N     length of each pgbench ceiling run
Environment: DATABASE_URL (else an embedded PostgreSQL under .data/bench-pg), REDIS_URL, PGBENCH,
BENCH_BASELINE_DIST (as --baseline).`;

const list = (value: string | undefined): string[] | undefined =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      json: { type: 'string' },
      systems: { type: 'string' },
      workloads: { type: 'string' },
      concurrency: { type: 'string' },
      slots: { type: 'string' },
      baseline: { type: 'string' },
      jobs: { type: 'string' },
      'pgbench-seconds': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const profile = { ...(values.quick ? QUICK : FULL) };
  const int = (name: string, value: string | undefined, fallback: number, min = 1): number => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new Error(`--${name} must be an integer ≥ ${min}\n${USAGE}`);
    return parsed;
  };
  if (values.jobs !== undefined) {
    const jobs = int('jobs', values.jobs, 0, 1000);
    Object.assign(profile, { drainJobs: jobs, enqueueOneJobs: jobs, enqueueBatchJobs: jobs, noopScalingJobs: jobs });
  }
  // Opt-in systems: BullMQ's PostgreSQL backend is its like-for-like comparison, and the full run's 15-minute
  // budget has no room for a fifth system unless someone asks for it (REDIS_URL set, or --systems).
  const defaultSystems = ALL_SYSTEMS.filter(
    (system) => !OPT_IN.includes(system) || (system === 'bullmq-redis' && process.env.REDIS_URL),
  );
  const systems = list(values.systems) ?? defaultSystems;
  const workloads = list(values.workloads) ?? [...ALL_WORKLOADS];
  for (const system of systems) {
    if (!(ALL_SYSTEMS as readonly string[]).includes(system)) throw new Error(`unknown system ${system}\n${USAGE}`);
  }
  for (const workload of workloads) {
    if (!(ALL_WORKLOADS as readonly string[]).includes(workload)) {
      throw new Error(`unknown workload ${workload}\n${USAGE}`);
    }
  }
  return {
    ...profile,
    quick: values.quick ?? false,
    rounds: int('rounds', values.rounds, profile.rounds),
    json: values.json,
    systems,
    workloads,
    drainConcurrencies: (list(values.concurrency) ?? profile.drainConcurrencies.map(String)).map((value) =>
      int('concurrency', value, 0),
    ),
    slots: int('slots', values.slots, 500),
    baseline: values.baseline ?? (process.env.BENCH_BASELINE_DIST || undefined),
    pgbenchSeconds: int('pgbench-seconds', values['pgbench-seconds'], profile.pgbenchSeconds),
  };
}
