import { median } from './stats.js';
import type { QueueSystem } from './systems/system.js';

/** Every measurement of a run: system id → metric → one value per round. */
export type Samples = Record<string, Record<string, number[]>>;

export const TASKSYSTEM = 'tasksystem';

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
    for (const metric of RATIO_METRICS) {
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
}

/** The tables as printed (Markdown, so a full run's output can go into docs/benchmarks.md as it is). */
export function renderTables({ systems, samples, rounds, historyRows, drainKeys }: Report): string {
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
        ['system', 'drain', 'enqueue 1-by-1', 'enqueue ×1000', 'idle p50 / p95 / p99 ms', 'pgbench', 'drain ÷ pgbench'],
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
  if (ts['http-submit'] !== undefined) {
    tsRows.push([
      'POST /tasks, API-only replica, THROTTLE_LIMIT 0',
      ms(ts['http-submit-p50']),
      ms(ts['http-submit-p99']),
      `${rate(ts['http-submit'])} req/s`,
    ]);
  }
  const scaling = Object.keys(ts)
    .filter((metric) => metric.startsWith('scaling-'))
    .map((metric) => Number(metric.slice('scaling-'.length)))
    .sort((a, b) => a - b);
  for (const replicas of scaling) {
    const value = ts[`scaling-${replicas}`];
    const base = ts['scaling-1'];
    tsRows.push([
      `drain with ${replicas} replica process${replicas > 1 ? 'es' : ''}`,
      '',
      '',
      `${rate(value)} jobs/s${base && replicas > 1 ? ` (${times(value / base)} of 1)` : ''}`,
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
  out.push('Configurations:');
  for (const system of systems) out.push(`- ${system.label}: ${system.config}`);
  return out.join('\n');
}

/** Issue 4's targets, each checked against this run's medians. */
export function targetChecks(samples: Samples): { target: string; value: string; met: boolean }[] {
  const med = medians(samples);
  const ts = med[TASKSYSTEM];
  if (!ts) return [];
  const checks: { target: string; value: string; met: boolean }[] = [];
  const ratio = ratios(med);
  const add = (
    target: string,
    value: number | undefined,
    ok: (v: number) => boolean,
    show: (v: number) => string,
  ): void => {
    if (value !== undefined && !Number.isNaN(value)) checks.push({ target, value: show(value), met: ok(value) });
  };
  add('drain ≥ 1.0× graphile-worker tuned', ratio['graphile-worker']?.drain, (v) => v >= 1, times);
  add('drain ≥ 5× pg-boss tuned', ratio['pg-boss']?.drain, (v) => v >= 5, times);
  add(
    'idle latency p50 ≤ 3 ms',
    ts['idle-p50'],
    (v) => v <= 3,
    (v) => `${ms(v)} ms`,
  );
  add(
    'idle latency p99 ≤ 10 ms',
    ts['idle-p99'],
    (v) => v <= 10,
    (v) => `${ms(v)} ms`,
  );
  add(
    'stop p99 ≤ 20 ms, same replica',
    ts['stop-same-p99'],
    (v) => v <= 20,
    (v) => `${ms(v)} ms`,
  );
  add(
    'stop p99 ≤ 50 ms, across replicas',
    ts['stop-cross-p99'],
    (v) => v <= 50,
    (v) => `${ms(v)} ms`,
  );
  const peers = Object.keys(med).filter((id) => id !== TASKSYSTEM && id !== 'graphile-worker-plain');
  const fastest = (metric: string): number | undefined => {
    const values = peers.map((id) => med[id][metric]).filter((v) => v !== undefined);
    return values.length > 0 ? Math.max(...values) : undefined;
  };
  const one = fastest('enqueue-one');
  const batch = fastest('enqueue-batch');
  add('drain with the history ≥ 0.9× the empty-table drain', ts['history-vs-empty'], (v) => v >= 0.9, times);
  add('enqueue 1-by-1 ≥ 1.5× the faster peer', one && ts['enqueue-one'] / one, (v) => v >= 1.5, times);
  add('enqueue ×1000 ≥ 1.0× the faster peer', batch && ts['enqueue-batch'] / batch, (v) => v >= 1, times);
  return checks;
}

export const isThroughput = (metric: string): boolean => THROUGHPUT.includes(metric);
