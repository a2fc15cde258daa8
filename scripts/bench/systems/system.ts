/**
 * What the bench needs from a queue system, so that every workload runs the same steps on each. One file
 * per system implements it (tasksystem.ts, pg-boss.ts, graphile-worker.ts, bullmq.ts).
 */

/** Every job carries its index, so the latency workload can match a handler entry to its enqueue instant. */
export interface BenchPayload {
  i: number;
}

export interface QueueSystem {
  /** Short id used on the command line: tasksystem, pg-boss, … */
  id: string;
  /** Name and version as printed, e.g. "pg-boss 10.4.2". */
  label: string;
  /** The configuration it runs with, printed beside its numbers. */
  config: string;
  /** Where it keeps its jobs: PostgreSQL systems get a fresh database per workload. */
  store: 'postgres' | 'redis';
  /** Creates its schema in `url`; that database is then the template of every workload's database. */
  migrate?(url: string): Promise<void>;
  /** Connects a producer to a fresh, migrated database (for Redis: a fresh queue). No workers yet. */
  open(url: string, label: string): Promise<QueueClient>;
  /**
   * Systems whose number of jobs handled at once can be set: the drain runs once per `--concurrency` value
   * with `at(n)`, and the one at `reference` (the set-up BENCHMARKING.md tuned; every other workload runs
   * it) is also the main table's drain. Without it, the system drains once, as configured.
   */
  concurrency?: { reference: number; at(concurrency: number): QueueSystem };
  /**
   * How many jobs its drain takes when the run's count would take minutes: pg-boss 10 fetches one batch
   * per polling interval, so its rate is bound by its configuration, and a few intervals measure it.
   */
  drainJobs?(jobs: number): number;
  /** The workloads it takes part in (default: all that apply); the baseline TaskSystem runs only a few. */
  workloads?: readonly string[];
}

export interface QueueClient {
  /** One job, awaited until the system says it is stored. */
  enqueue(payload: BenchPayload): Promise<void>;
  /** Many jobs in one call, as the system's bulk API takes them. */
  enqueueBatch(payloads: BenchPayload[]): Promise<void>;
  /**
   * Sets the workers up without starting them (building a Nest app, creating a worker object), and returns
   * the call that starts them: the drain's clock starts just before that call, so set-up that is not
   * "workers starting" is left out for every system alike. Every handler calls `entered` first thing.
   */
  prepareWorkers(entered: (payload: BenchPayload) => void): Promise<() => Promise<void>>;
  /**
   * The workload enqueues nothing more. TaskSystem closes its API-only replica then, so that during a drain
   * its LISTEN connection (which hears every task_events notification) takes no share of the CPU; the peers' producers
   * are idle objects and have nothing to release.
   */
  releaseProducer?(): Promise<void>;
  /** Read from the store, not from handler calls: true while any job is still queued or running. */
  hasUnfinished(): Promise<boolean>;
  /** How many jobs the store shows as finished successfully (checked after a drain). */
  succeeded(): Promise<number>;
  /** Stops the workers (if started) and the producer. */
  close(): Promise<void>;
}
