import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toCurl } from './curl.js';
import type { Failure, SweepResult } from './sweep.js';

/** A longer curl command goes to a file, and only its start is printed. */
const MAX_PRINTED_COMMAND = 2000;

/** Prints what the sweep reached and what failed; true when nothing did. */
export function report(
  result: SweepResult,
  context: { seed: number; bodyDir: string; print: (line: string) => void },
): boolean {
  const { print } = context;
  print('');
  print(`answers by operation and status (${result.runs} requests, shrinking included)`);
  for (const [operation, byStatus] of [...result.statuses].sort(([a], [b]) => a.localeCompare(b))) {
    const statuses = [...byStatus].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`);
    print(`  ${operation.padEnd(32)} ${statuses.join('  ')}`);
  }
  const describe = (failure: Failure, index: number): void => {
    const { request, status, findings } = failure;
    print('');
    for (const finding of findings) print(`FAIL ${finding.kind}: ${finding.detail}`);
    print(`  ${request.operation.label}, ${request.mutation}, answered ${status || 'nothing'}`);
    const file = join(context.bodyDir, `counterexample-${context.seed}-${index}`);
    const curl = toCurl(request, `${file}.body`);
    if (curl.length <= MAX_PRINTED_COMMAND) return print(curl);
    writeFileSync(`${file}.sh`, `${curl}\n`);
    print(`${curl.slice(0, 300)}… (the whole command: ${file}.sh)`);
  };
  if (result.failure) {
    const { failure, seed, path, shrinks, interrupted } = result.failure;
    describe(failure, 0);
    print(
      `shrunk ${shrinks} times${interrupted ? ' (the time ran out while shrinking: replay to shrink further)' : ''}; ` +
        `replay: npm run fuzz -- --seed ${seed} --path ${path}`,
    );
  }
  result.failures.forEach(describe);
  const failed = result.failure !== undefined || result.failures.length > 0;
  print('');
  print(
    failed
      ? `RESULT: FAIL (seed ${context.seed}${result.failures.length > 0 ? `, ${result.failures.length} kinds of failure` : ''})`
      : `RESULT: PASS (seed ${context.seed})`,
  );
  return !failed;
}
