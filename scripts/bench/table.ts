import { median } from './stats.js';
import type { QueueSystem } from './systems/system.js';

/** Every measurement of a run: system id → metric → one value per round. */
export type Samples = Record<string, Record<string, number[]>>;

export const TASKSYSTEM = 'tasksystem';
const BASELINE = 'tasksystem-baseline';

/** One system's drain at one concurrency: its set-up there and how many jobs it drained. */
export interface DrainConfig {
  concurrency: number;
  config: string;
  jobs: number;
}

export function medians(samples: Samples): Record<string, Record<string, number>> {
  return Object.fromEntries(
    Object.entries(samples).map(([system, metrics]) => [
      system,
      Object.fromEntries(Object.entries(metrics).map(([metric, values]) => [metric, median(values)])),
    ]),
  );
}

/** Which metrics are speeds (higher is better) and which are latencies (lower is better). */
const THROUGHPUT = ['drain', 'enqueue-one', 'enqueue-batch', 'pgbench'];
export const RATIO_METRICS = ['drain', 'enqueue-one', 'enqueue-batch', 'idle-p50', 'idle-p99'];

/** TaskSystem's median over the peer's, per metric: >1 is faster for speeds, <1 is faster for latencies. */
export function ratios(med: Record<string, Record<string, number>>): Record<string, Record<string, number>> {
  const ours = med[TASKSYSTEM] ?? {};
  const result: Record<string, Record<string, number>> = {};
  for (const [system, metrics] of Object.entries(med)) {
    if (system === TASKSYSTEM) continue;
    result[system] = {};
    // The main table's metrics, the drain at each concurrency, and POST /tasks (the baseline has it).
    const compared = [...RATIO_METRICS, ...Object.keys(ours).filter((m) => m.startsWith('drain@')), 'http-submit'];
    for (const metric of compared) {
      if (ours[metric] !== undefined && metrics[metric] !== undefined)
        result[system][metric] = ours[metric] / metrics[metric];
    }
  }
  return result;
}

const rate = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? '–' : Math.round(value).toLocaleString('en-US');
const ms = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value)
    ? '–'
    : value < 10
      ? value.toFixed(2)
      : value < 100
        ? value.toFixed(1)
        : value.toFixed(0);
const times = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? '–' : `${value < 10 ? value.toFixed(2) : value.toFixed(1)}×`;

function markdown(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export interface Report {
  systems: QueueSystem[];
  samples: Samples;
  rounds: number;
  /** Workload errors, if any: "system workload round: message". */
  errors: string[];
  historyRows: number;
  /** Distinct concurrency keys of the keyed drain. */
  drainKeys: number;
  /** Per system id, its drain at each concurrency (systems that drain at one set-up only have none). */
  drainConfigs: Record<string, DrainConfig[]>;
  /** TaskSystem's WORKER_CONCURRENCY outside the drain at several concurrencies (and of the no-op scaling). */
  slots: number;
  /** WORKER_CONCURRENCY of each process of the scaling workload's 20 ms tasks. */
  scalingSlots: number;
}

/** The tables as printed (Markdown, so a full run's output can go into docs/benchmarks.md as it is). */
export function renderTables({
  systems,
  samples,
  rounds,
  historyRows,
  drainKeys,
  drainConfigs,
  slots,
  scalingSlots,
}: Report): string {
  const historyRowsLabel = historyRows.toLocaleString('en-US');
  const keysLabel = drainKeys.toLocaleString('en-US');
  const med = medians(samples);
  const out: string[] = [];
  const ceiling = (id: string): number | undefined => med[id]?.pgbench;

  const MAIN = ['drain', 'enqueue-one', 'enqueue-batch', 'idle-p50', 'pgbench'];
  const measured = systems.filter((system) => MAIN.some((metric) => med[system.id]?.[metric] !== undefined));
  out.push(
    `Medians of ${rounds} round(s); jobs/s unless marked ms. pgbench: the ceiling measured right before that system's run.`,
  );
  out.push('');
  if (measured.length > 0)
    out.push(
      markdown(
        [
          'system',
          'drain (reference set-up)',
          'enqueue 1-by-1',
          'enqueue ×1000',
          'idle p50 / p95 / p99 ms',
          'pgbench',
          'drain ÷ pgbench',
        ],
        measured.map((system) => {
          const m = med[system.id] ?? {};
          return [
            system.label,
            rate(m.drain),
            rate(m['enqueue-one']),
            rate(m['enqueue-batch']),
            `${ms(m['idle-p50'])} / ${ms(m['idle-p95'])} / ${ms(m['idle-p99'])}`,
            rate(ceiling(system.id)),
            m.drain !== undefined && ceiling(system.id) ? `${(m.drain / ceiling(system.id)!).toFixed(2)}` : '–',
          ];
        }),
      ),
    );

  const ratio = ratios(med);
  const peers = systems.filter((system) => system.id !== TASKSYSTEM && ratio[system.id]);
  if (med[TASKSYSTEM] && peers.length > 0) {
    out.push('');
    out.push('TaskSystem ÷ peer (same run, medians): speeds >1× and latencies <1× mean TaskSystem is ahead.');
    out.push('');
    out.push(
      markdown(
        ['TaskSystem ÷', 'drain', 'enqueue 1-by-1', 'enqueue ×1000', 'idle p50', 'idle p99'],
        peers.map((peer) => [peer.label, ...RATIO_METRICS.map((metric) => times(ratio[peer.id][metric]))]),
      ),
    );
  }

  const swept = systems.filter((system) => drainConfigs[system.id]?.length);
  const concurrencies = [
    ...new Set(swept.flatMap((system) => drainConfigs[system.id].map(({ concurrency }) => concurrency))),
  ].sort((x, y) => x - y);
  if (concurrencies.length > 0) out.push('', drainAtConcurrencyTable(swept, med, concurrencies));
  const http = httpTable(systems, med);
  if (http) out.push('', http);
  const scalingRounds = samples[TASKSYSTEM]?.['scaling-sleep20-1']?.length ?? 0;
  const scaling = scalingTable(med[TASKSYSTEM] ?? {}, scalingSlots, slots, scalingRounds);
  if (scaling) out.push('', scaling);

  const ts = med[TASKSYSTEM] ?? {};
  const tsRows: string[][] = [];
  if (ts['stop-same-p50'] !== undefined) {
    tsRows.push(['stop: DELETE → AbortSignal, same replica', ms(ts['stop-same-p50']), ms(ts['stop-same-p99']), '']);
    tsRows.push([
      'stop: DELETE → AbortSignal, across replicas',
      ms(ts['stop-cross-p50']),
      ms(ts['stop-cross-p99']),
      '',
    ]);
    tsRows.push([
      'stop: DELETE answered (200), same replica',
      ms(ts['stop-same-http-p50']),
      ms(ts['stop-same-http-p99']),
      '',
    ]);
    tsRows.push([
      'stop: DELETE answered (200), across replicas',
      ms(ts['stop-cross-http-p50']),
      ms(ts['stop-cross-http-p99']),
      '',
    ]);
  }
  if (ts['history-drain'] !== undefined) {
    const versus = ts['history-vs-empty'];
    tsRows.push([
      `drain with ${historyRowsLabel} finished tasks in the table`,
      '',
      '',
      `${rate(ts['history-drain'])} jobs/s${versus ? ` (${times(versus)} of empty)` : ''}`,
    ]);
  }
  if (ts['keyed-drain'] !== undefined) {
    const versus = ts['keyed-vs-plain'];
    tsRows.push([
      `drain with ${keysLabel} concurrency keys (fair turns between them)`,
      '',
      '',
      `${rate(ts['keyed-drain'])} jobs/s${versus ? ` (${times(versus)} of the drain without keys)` : ''}`,
    ]);
  }
  if (tsRows.length > 0) {
    out.push('');
    out.push('TaskSystem only (no peer can stop a running job from another process):');
    out.push('');
    out.push(markdown(['what', 'p50 ms', 'p99 ms', 'throughput'], tsRows));
  }

  out.push('');
  out.push('Configurations (the first set-up runs every workload but the drain at several concurrencies):');
  for (const system of systems) {
    out.push(`- ${system.label}: ${system.config}`);
    for (const { concurrency, config, jobs } of drainConfigs[system.id] ?? []) {
      out.push(`  - drain at ${concurrency}: ${config}; ${jobs.toLocaleString('en-US')} jobs`);
    }
  }
  return out.join('\n');
}

/** Rows: jobs at once; columns: each system's drain there, then TaskSystem ÷ each other system. */
function drainAtConcurrencyTable(
  swept: QueueSystem[],
  med: Record<string, Record<string, number>>,
  concurrencies: number[],
): string {
  const others = swept.filter((system) => system.id !== TASKSYSTEM);
  const ours = (n: number): number | undefined => med[TASKSYSTEM]?.[`drain@${n}`];
  const rows = concurrencies.map((n) => [
    String(n),
    ...swept.map((system) => rate(med[system.id]?.[`drain@${n}`])),
    ...others.map((system) => {
      const theirs = med[system.id]?.[`drain@${n}`];
      const mine = ours(n);
      return mine !== undefined && theirs ? times(mine / theirs) : '–';
    }),
  ]);
  return [
    'Drain at equal concurrency (jobs/s, medians; TaskSystem ÷ peer > 1× means TaskSystem is ahead):',
    '',
    markdown(
      [
        'jobs at once',
        ...swept.map((system) => system.label),
        ...others.map((system) => `TaskSystem ÷ ${system.id === BASELINE ? 'baseline' : system.id}`),
      ],
      rows,
    ),
  ].join('\n');
}

/** POST /tasks over HTTP: TaskSystem, its baseline and the bare Nest route, with TaskSystem ÷ each. */
function httpTable(systems: QueueSystem[], med: Record<string, Record<string, number>>): string | undefined {
  const ours = med[TASKSYSTEM]?.['http-submit'];
  const rows: string[][] = [];
  const row = (what: string, figures: Record<string, number> | undefined, prefix: string, isOurs = false): void => {
    const value = figures?.[prefix];
    if (value === undefined) return;
    rows.push([
      what,
      rate(value),
      ms(figures?.[`${prefix}-p50`]),
      ms(figures?.[`${prefix}-p99`]),
      isOurs || ours === undefined ? '' : times(ours / value),
    ]);
  };
  for (const system of systems) {
    if (system.id === TASKSYSTEM || system.id === BASELINE)
      row(system.label, med[system.id], 'http-submit', system.id === TASKSYSTEM);
  }
  row('bare Nest route: one INSERT per request (the ceiling)', med[TASKSYSTEM], 'http-ceiling');
  if (rows.length === 0) return undefined;
  return [
    'POST /tasks over HTTP (autocannon, same connections and length; API-only replica, THROTTLE_LIMIT 0):',
    '',
    markdown(['server', 'req/s', 'p50 ms', 'p99 ms', 'TaskSystem ÷ this'], rows),
  ].join('\n');
}

/** Drain with several replica processes: each count against one process and against linear scaling. */
function scalingTable(
  ts: Record<string, number>,
  scalingSlots: number,
  slots: number,
  rounds: number,
): string | undefined {
  const rows: string[][] = [];
  for (const [kind, what] of [
    ['sleep20', `tasks of 20 ms, ${scalingSlots} slots per process`],
    ['noop', `no-op tasks, ${slots} slots per process`],
  ] as const) {
    const counts = Object.keys(ts)
      .filter((metric) => metric.startsWith(`scaling-${kind}-`))
      .map((metric) => Number(metric.slice(`scaling-${kind}-`.length)))
      .sort((a, b) => a - b);
    const one = ts[`scaling-${kind}-1`];
    for (const replicas of counts) {
      const value = ts[`scaling-${kind}-${replicas}`];
      const linear = one === undefined ? undefined : one * replicas;
      rows.push([
        `${what}, ${replicas} process${replicas > 1 ? 'es' : ''}`,
        rate(value),
        one === undefined ? '–' : times(value / one),
        rate(linear),
        linear === undefined ? '–' : times(value / linear),
      ]);
    }
  }
  if (rows.length === 0) return undefined;
  return [
    `Scaling with replica processes (${rounds === 1 ? 'one round' : `medians of ${rounds} rounds`}; linear = processes × one process's rate; a process of ${scalingSlots} slots of 20 ms tasks can do ${Math.round((scalingSlots * 1000) / 20)} jobs/s at most):`,
    '',
    markdown(['drain', 'jobs/s', '÷ 1 process', 'linear', '÷ linear'], rows),
  ].join('\n');
}

/** Issue 16's targets (and issue 4's stop latency, to stay unchanged), each checked against this run's medians. */
export function targetChecks(samples: Samples): { target: string; value: string; met: boolean }[] {
  const med = medians(samples);
  const ts = med[TASKSYSTEM];
  if (!ts) return [];
  const checks: { target: string; value: string; met: boolean }[] = [];
  const add = (
    target: string,
    value: number | undefined,
    ok: (v: number) => boolean,
    show: (v: number) => string = times,
  ): void => {
    if (value !== undefined && !Number.isNaN(value)) checks.push({ target, value: show(value), met: ok(value) });
  };
  const over = (mine: number | undefined, theirs: number | undefined): number | undefined =>
    mine !== undefined && theirs ? mine / theirs : undefined;
  const graphile = med['graphile-worker'] ?? {};
  const millis = (v: number): string => `${ms(v)} ms`;
  add(
    'drain at 10 slots ≥ 1.0× graphile-worker at concurrency 10',
    over(ts['drain@10'], graphile['drain@10']),
    (v) => v >= 1,
  );
  add(
    'drain at 5 slots (the default) ≥ 1.0× graphile-worker at concurrency 5',
    over(ts['drain@5'], graphile['drain@5']),
    (v) => v >= 1,
  );
  add(
    'drain at 500 slots ≥ 1.2× graphile-worker tuned (concurrency 10, localQueue 100)',
    over(ts['drain@500'], graphile.drain),
    (v) => v >= 1.2,
  );
  add(
    'POST /tasks ≥ 2× the baseline build (same run)',
    over(ts['http-submit'], med[BASELINE]?.['http-submit']),
    (v) => v >= 2,
  );
  add('POST /tasks ≥ 0.8× the bare Nest insert route', over(ts['http-submit'], ts['http-ceiling']), (v) => v >= 0.8);
  add('idle latency p50 ≤ 3 ms', ts['idle-p50'], (v) => v <= 3, millis);
  add('idle latency p99 ≤ 10 ms', ts['idle-p99'], (v) => v <= 10, millis);
  add('stop p99 ≤ 20 ms, same replica (unchanged)', ts['stop-same-p99'], (v) => v <= 20, millis);
  add('stop p99 ≤ 50 ms, across replicas (unchanged)', ts['stop-cross-p99'], (v) => v <= 50, millis);
  // "Close to linearly until PostgreSQL saturates": 0.9× of linear, read beside the pgbench ceiling.
  for (const replicas of [2, 4]) {
    add(
      `20 ms tasks, ${replicas} processes ≥ 0.9× linear (${replicas} × 1 process), until PostgreSQL saturates`,
      over(ts[`scaling-sleep20-${replicas}`], ts['scaling-sleep20-1'] && ts['scaling-sleep20-1'] * replicas),
      (v) => v >= 0.9,
    );
  }
  add('no-op tasks, 2 processes ≥ 1.0× 1 process', over(ts['scaling-noop-2'], ts['scaling-noop-1']), (v) => v >= 1);
  return checks;
}

export const isThroughput = (metric: string): boolean => THROUGHPUT.includes(metric);
