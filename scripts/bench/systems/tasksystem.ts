import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import type { NewTask } from '../../../src/task-store/task.js';
import type { TaskRepository as Repository } from '../../../src/task-store/task.repository.js';
import { benchHooks } from '../bench-handlers.js';
import { loadTaskSystemBuild } from '../task-system-build.js';
import type { TaskSystemBuild } from '../task-system-build.js';
import type { BenchPayload, QueueClient, QueueSystem } from './system.js';

/** The environment of every bench replica; workloads add WORKER_ENABLED, WORKER_CONCURRENCY, PORT. */
export const REPLICA_ENV = { LOG_LEVEL: 'fatal', POLL_INTERVAL_MS: '1000' } as const;

export interface Replica {
  app: INestApplication;
  repository: Repository;
  /** Set once listen() was called. */
  baseUrl?: string;
  /** Starts it: lifecycle hooks run (the supervisor starts claiming); with a port, HTTP listens too. */
  start(listen?: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds one TaskSystem replica in this process through the same createApp as `npm start`, with the bench's
 * task types: of `build` (default: this checkout's dist/). Not started yet: the drain workload starts its
 * clock just before start().
 */
export async function buildReplica(
  databaseUrl: string,
  environment: Record<string, string>,
  build?: TaskSystemBuild,
): Promise<Replica> {
  const { loadConfig, createApp, handlers, TaskRepository } = build ?? (await loadTaskSystemBuild());
  const config = loadConfig({ ...REPLICA_ENV, DATABASE_URL: databaseUrl, ...environment });
  const app = await createApp(config, [handlers]);
  const replica: Replica = {
    app,
    repository: app.get(TaskRepository),
    async start(listen = false) {
      if (!listen) return void (await app.init());
      await app.listen(0, '127.0.0.1');
      const server = app.getHttpServer() as import('node:http').Server;
      const address = server.address() as { port: number };
      replica.baseUrl = `http://127.0.0.1:${address.port}`;
    },
    close: () => app.close(),
  };
  return replica;
}

export const newTask = (type: string, payload: unknown, concurrencyKey: string | null = null): NewTask => ({
  type,
  queue: 'default',
  key: null,
  concurrencyKey,
  payload,
  priority: 0,
  runAt: null,
  maxAttempts: 3,
  timeoutMs: null,
  requestId: null,
});

/** Reads the tasks table directly, as an operator would: the drain's clock stops on what it shows. */
export class TasksTableProbe {
  private constructor(private readonly client: pg.Client) {}

  static async connect(url: string): Promise<TasksTableProbe> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return new TasksTableProbe(client);
  }

  async hasUnfinished(): Promise<boolean> {
    // Two EXISTS, one per live status, so each can use its partial index (claim order, running lease)
    // instead of walking the finished rows.
    const { rows } = await this.client.query<{ live: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM tasks WHERE status = 'queued')
           OR EXISTS (SELECT 1 FROM tasks WHERE status = 'running') AS live`,
    );
    return rows[0].live;
  }

  async succeeded(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tasks WHERE status = 'succeeded'`,
    );
    return rows[0].n;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/** The two TaskSystems a run can hold: this checkout's build, and the baseline of `--baseline`. */
export const TASKSYSTEM_BASELINE = 'tasksystem-baseline';

export interface TaskSystemOptions {
  /** Job i carries the concurrency key `k<i mod concurrencyKeys>` (the keyed drain). */
  concurrencyKeys?: number;
  /** Another build than this checkout's: the system is then "TaskSystem (baseline …)". */
  baseline?: TaskSystemBuild;
}

/**
 * TaskSystem as a library: jobs go in through TaskRepository.insert (what POST /tasks calls after its
 * checks), from an API-only replica; the workers are a second replica in this process with
 * WORKER_CONCURRENCY `concurrency`.
 */
export interface TaskSystemQueue extends QueueSystem {
  /** The build it runs, for the workloads only TaskSystem has (POST /tasks over HTTP). */
  build: TaskSystemBuild;
}

export async function taskSystem(concurrency: number, options: TaskSystemOptions = {}): Promise<TaskSystemQueue> {
  const build = options.baseline ?? (await loadTaskSystemBuild());
  return taskSystemOf(build, concurrency, options);
}

function taskSystemOf(build: TaskSystemBuild, concurrency: number, options: TaskSystemOptions): TaskSystemQueue {
  const { concurrencyKeys, baseline } = options;
  const jobTask = (payload: BenchPayload): NewTask =>
    newTask('noop', payload, concurrencyKeys ? `k${payload.i % concurrencyKeys}` : null);
  return {
    id: baseline ? TASKSYSTEM_BASELINE : 'tasksystem',
    label: baseline ? `TaskSystem (baseline ${build.version})` : `TaskSystem ${build.version}`,
    config: `WORKER_CONCURRENCY ${concurrency}, POLL_INTERVAL_MS 1000, LEASE_MS 30000 (default), DATABASE_POOL_SIZE 20 (default)`,
    store: 'postgres',
    build,
    concurrency: { reference: concurrency, at: (n) => taskSystemOf(build, n, options) },
    ...(baseline ? { workloads: ['pgbench', 'drain', 'http-submit'] } : {}),
    async migrate(url) {
      await build.migrateDatabase(url);
    },
    async open(url) {
      const producer = await buildReplica(url, { WORKER_ENABLED: 'false' }, build);
      await producer.start();
      const probe = await TasksTableProbe.connect(url);
      let workers: Replica | undefined;
      let producerClosed = false;
      const client: QueueClient = {
        async enqueue(payload) {
          await producer.repository.insert([jobTask(payload)]);
        },
        async enqueueBatch(payloads) {
          await producer.repository.insert(payloads.map(jobTask));
        },
        async releaseProducer() {
          await producer.close();
          producerClosed = true;
        },
        async prepareWorkers(entered) {
          benchHooks.entered = entered as (payload: unknown) => void;
          const replica = await buildReplica(url, { WORKER_CONCURRENCY: String(concurrency) }, build);
          workers = replica;
          // app.init() runs the lifecycle hooks: LISTEN connects, the supervisor starts claiming.
          return () => replica.start();
        },
        hasUnfinished: () => probe.hasUnfinished(),
        succeeded: () => probe.succeeded(),
        async close() {
          await workers?.close();
          if (!producerClosed) await producer.close();
          await probe.close();
          benchHooks.entered = undefined;
        },
      };
      return client;
    },
  };
}

export type { BenchPayload };
