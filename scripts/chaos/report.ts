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
  const { buffered, bufferedStops } = f;
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
    ['  DELETE answers 200 / 202 / 409 / none', answerCounts(f.stopAnswers)],
    ['  of the 200s, cancelled before any attempt', f.cancelledQueued],
    ['cancelled before any attempt, yet ran', f.cancelledQueuedButRan.length, 0],
    ['outcomes written more than once', f.writtenMoreThanOnce.length, 0],
    ['executions started after their task ended', f.startedAfterEnd.length, 0],
    ['handler executions recorded', f.executions],
    ['replica kills (SIGKILL) / freezes (SIGSTOP)', `${run.kills} / ${run.freezes}`],
    ['replicas that exited on their own', run.crashes.length, 0],
    ['recovery after kill -9, median / max', recovery(f.recoveryMs)],
    ['  held at a kill, never rerun (taken back ended)', f.heldNotRerun],
    ["tasks in a killed replica's buffer at its kill", buffered.count],
    ['  of which it had started, start not yet written', buffered.startedThere],
    ['buffered at a kill, not ended', buffered.notEnded.length, 0],
    ['buffered at a kill, double-run', buffered.doubleRuns.length, 0],
    ['buffered at a kill, run elsewhere after, median / max', recovery(buffered.recoveryMs)],
    ['  buffered at a kill, never rerun (taken back ended)', buffered.notRerun],
    ['stops of buffered tasks (buffered just before DELETE)', bufferedStops.count],
    ['  DELETE answers 200 / 202 / 409 / none', answerCounts(bufferedStops.answers)],
    [
      '  of the 200/202s, cancelled / of which never ran',
      `${bufferedStops.cancelled} / ${bufferedStops.cancelledNeverRan}`,
    ],
    ['stopped while buffered but not cancelled', bufferedStops.notCancelled.length, 0],
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
    ['started after its task ended', f.startedAfterEnd],
    ['buffered at a kill, not ended', buffered.notEnded],
    ['stopped while buffered but not cancelled', bufferedStops.notCancelled],
    ['replicas that exited on their own', run.crashes],
  ];
  for (const [what, list] of offenders) {
    if (list.length > 0) console.log(`${what}: ${list.slice(0, 10).join('; ')}${list.length > 10 ? '; …' : ''}`);
  }
  const passed = failed.length === 0;
  console.log(passed ? 'RESULT: PASS' : `RESULT: FAIL (${failed.map(([figure]) => figure).join(', ')})`);
  return passed;
}

/** `median / max (n tasks)` of sorted delays. */
function recovery(sortedMs: number[]): string {
  if (sortedMs.length === 0) return 'none rerun';
  return `${formatMs(median(sortedMs))} / ${formatMs(sortedMs[sortedMs.length - 1])} (${sortedMs.length} tasks)`;
}

/** `200 / 202 / 409 / none` counts of DELETE answers. */
function answerCounts(answers: Map<string, number>): string {
  return ['200', '202', '409', '0'].map((status) => answers.get(status) ?? 0).join(' / ');
}

function median(sorted: number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function sum(counts: Map<string, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}
