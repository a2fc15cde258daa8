// `npm run fuzz`: issue 14's hostile sweep. Starts the service twice on one fresh database (with API keys,
// and open as `npm start` runs without them), reads the operations from its own OpenAPI document
// (GET /docs-json), and has fast-check send valid, near-valid and junk requests to every one of them,
// checking every answer (checks.ts). Seeded: the seed is printed, and `--seed N` sends the same requests.
// On a failure it prints the shrunk request as a curl command and exits 1; 2: it could not run; 130: interrupted.
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRunDatabase } from './database.js';
import type { RunDatabase } from './database.js';
import { Fixtures } from './fixtures.js';
import { PROJECT_ROOT } from './from-dist.js';
import { ApiDocument } from './openapi.js';
import { parseOptions, UsageError } from './options.js';
import { report } from './report.js';
import { startService } from './service.js';
import { sweep } from './sweep.js';

const LOG_DIR = join(PROJECT_ROOT, '.data', 'fuzz-logs');
/** Start-up (a first embedded cluster, two services) and clean-up, on top of the sweep's own duration. */
const OVERHEAD_MS = 180_000;

const startedAt = Date.now();
const log = (message: string): void =>
  console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${message}`);

const cleanups: (() => Promise<unknown>)[] = [];
let finishing: Promise<never> | undefined;

function finish(code: number): Promise<never> {
  finishing ??= (async () => {
    for (const step of cleanups.reverse()) await step().catch((error: Error) => log(`clean-up: ${error.message}`));
    process.exit(code);
  })();
  return finishing;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), () => randomInt(2 ** 31 - 1));
  setTimeout(() => {
    log('hard timeout: the sweep ran far past its duration; stopping');
    void finish(3);
  }, options.durationMs + OVERHEAD_MS).unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void finish(130));

  log(`seed ${options.seed} (replay: npm run fuzz -- --seed ${options.seed})`);
  mkdirSync(LOG_DIR, { recursive: true });
  const database: RunDatabase = await createRunDatabase(log);
  cleanups.push(() => database.close(options.keepDatabase));
  log(`run database ${database.name}${options.keepDatabase ? ' (kept: --keep-db)' : ''}`);

  // Together: the service's migrations take an advisory lock, so the second waits for the first's.
  const started = await Promise.allSettled([
    startService('keys', database.url, LOG_DIR),
    startService('open', database.url, LOG_DIR),
  ]);
  for (const service of started) if (service.status === 'fulfilled') cleanups.push(() => service.value.stop(10_000));
  const [keys, open] = started.map((service) => {
    if (service.status === 'rejected') throw service.reason;
    return service.value;
  });
  log(`services up: with API keys on :${keys.port}, open on :${open.port}; logs in ${LOG_DIR}`);

  const response = await fetch(`${keys.baseUrl}/docs-json`);
  if (!response.ok) throw new Error(`GET /docs-json answered ${response.status}`);
  const document = new ApiDocument((await response.json()) as ConstructorParameters<typeof ApiDocument>[0]);
  const fixtures = await Fixtures.create(keys);
  log(
    `${document.operations.length} operations in the service's OpenAPI document; sweeping for ` +
      `${options.runs === undefined ? '' : `${options.runs} requests or `}${options.durationMs / 1000} s` +
      (options.keepGoing ? ', recording every kind of failure' : ', stopping at the first failure'),
  );

  const result = await sweep({
    document,
    services: { keys, open },
    database,
    fixtures,
    seed: options.seed,
    runs: options.runs,
    durationMs: options.durationMs,
    path: options.path,
    keepGoing: options.keepGoing,
    onProgress: (runs) => log(`${runs} requests`),
    onAnswer: options.trace
      ? (request, status) =>
          log(`${status} ${request.target} ${request.method} ${request.url.slice(0, 120)} (${request.mutation})`)
      : undefined,
  });
  const passed = report(result, { seed: options.seed, bodyDir: LOG_DIR, print: console.log });
  await finish(passed ? 0 : 1);
}

main().catch((error: unknown) => {
  if (finishing) return;
  if (error instanceof UsageError) console.error(error.message.trim());
  else log(`fuzz run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  void finish(2);
});
