import type { Figures } from './check.js';
import { formatMs } from './timing.js';

type Row = [figure: string, value: string | number, mustBe?: number];

/** Prints the figures as a table, then the first offenders of each failed figure. Returns true if all pass. */
export function report(
  figures: Figures,
  run: { kills: number; freezes: number; crashes: string[]; header: string },
): boolean {
  const f = figures;
  const statusRows: Row[] = [...f.byStatus].sort().map(([status, count]) => [`  ${status}`, count]);
  const answers = (status: string): number => f.stopAnswers.get(status) ?? 0;
  const recovery =
    f.recoveryMs.length === 0
      ? 'none rerun'
      : `${formatMs(median(f.recoveryMs))} / ${formatMs(f.recoveryMs[f.recoveryMs.length - 1])} (${f.recoveryMs.length} tasks)`;
  const rows: Row[] = [
    ['tasks submitted (POST answered 201)', f.submitted],
    ['  POSTs unanswered / refused (not 201)', `${f.postsUnanswered} / ${f.postsRefused}`],
    ['  unanswered POSTs whose task exists', f.unansweredStored],
    ['tasks in the database, by status', sum(f.byStatus)],
    ...statusRows,
    ['not terminal', f.notTerminal, 0],
    ['lost (submitted id missing)', f.lost, 0],
    ['double-run (overlapping executions)', f.doubleRuns.length, 0],
    ['  overlaps excused (holder frozen past lease)', f.overlapsExcused],
    ['stopped (DELETE 200/202) but not cancelled', f.stoppedNotCancelled.length, 0],
    [
      '  DELETE answers 200 / 202 / 409 / none',
      `${answers('200')} / ${answers('202')} / ${answers('409')} / ${answers('0')}`,
    ],
    ['  of the 200s, cancelled before any attempt', f.cancelledQueued],
    ['cancelled before any attempt, yet ran', f.cancelledQueuedButRan.length, 0],
    ['outcomes written more than once', f.writtenMoreThanOnce.length, 0],
    ['handler executions recorded', f.executions],
    ['replica kills (SIGKILL) / freezes (SIGSTOP)', `${run.kills} / ${run.freezes}`],
    ['replicas that exited on their own', run.crashes.length, 0],
    ['recovery after kill -9, median / max', recovery],
    ['  held at a kill, never rerun (taken back ended)', f.heldNotRerun],
  ];
  const failed = rows.filter(([, value, mustBe]) => mustBe !== undefined && value !== mustBe);
  const width = Math.max(...rows.map(([figure]) => figure.length));
  const valueWidth = Math.max(5, ...rows.map(([, value]) => String(value).length));
  const line = (a: string, b: string, c: string): string => `${a.padEnd(width)}  ${b.padStart(valueWidth)}  ${c}`;

  console.log(`\n${run.header}`);
  console.log(line('figure', 'value', 'must be'));
  console.log(line('-'.repeat(width), '-'.repeat(valueWidth), '-------'));
  for (const [figure, value, mustBe] of rows) {
    const verdict = mustBe === undefined ? '' : `${mustBe}${value === mustBe ? '' : '   <-- FAILED'}`;
    console.log(line(figure, String(value), verdict));
  }
  const offenders: [string, string[]][] = [
    ['double-run', f.doubleRuns.map((d) => `task ${d.taskId}: ${d.first} / ${d.second}`)],
    ['stopped but not cancelled', f.stoppedNotCancelled],
    ['cancelled before any attempt, yet ran', f.cancelledQueuedButRan],
    ['outcome written more than once', f.writtenMoreThanOnce],
    ['replicas that exited on their own', run.crashes],
  ];
  for (const [what, list] of offenders) {
    if (list.length > 0) console.log(`${what}: ${list.slice(0, 10).join('; ')}${list.length > 10 ? '; …' : ''}`);
  }
  const passed = failed.length === 0;
  console.log(passed ? 'RESULT: PASS' : `RESULT: FAIL (${failed.map(([figure]) => figure).join(', ')})`);
  return passed;
}

function median(sorted: number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function sum(counts: Map<string, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}
