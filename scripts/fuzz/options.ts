/** The command line of `npm run fuzz -- [options]`. */
export interface Options {
  /** fast-check's seed: printed at the start, so that any run can be replayed. */
  seed: number;
  /** Stop after this many requests (runs)… */
  runs?: number;
  /** …or after this long, whichever comes first; shrinking a failure counts in this time too. */
  durationMs: number;
  /** fast-check's path to a counterexample (printed on failure): replays just that request and its shrinks. */
  path?: string;
  /** Record every failure and go on, instead of stopping at the first one and shrinking it. */
  keepGoing: boolean;
  keepDatabase: boolean;
  /** Print every request and its status as it is answered. */
  trace: boolean;
}

const USAGE = `usage: npm run fuzz -- [--seed N] [--runs N] [--duration 2m] [--path P] [--keep-going] [--keep-db] [--trace]
  --seed        fast-check's seed (default: a random one, printed): the same seed sends the same requests
  --runs        stop after this many requests (default: as many as fit in --duration)
  --duration    how long the sweep may take, shrinking included: 90s, 2m, or seconds (default 2m)
  --path        replay the counterexample a failed run printed (with its --seed)
  --keep-going  do not stop at the first failure: record each kind of failure once per route, print them all
  --keep-db     keep the run database afterwards, to look into it
  --trace       print every request and its answer's status`;

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
  }
}

export function parseOptions(args: string[], randomSeed: () => number): Options {
  const options: Options = {
    seed: randomSeed(),
    durationMs: 120_000,
    keepGoing: false,
    keepDatabase: false,
    trace: false,
  };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const next = inline ?? args[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    if (flag === '--seed') options.seed = parseInteger(flag, value(), -(2 ** 31), 2 ** 31 - 1);
    else if (flag === '--runs') options.runs = parseInteger(flag, value(), 1, 10_000_000);
    else if (flag === '--duration') options.durationMs = parseDuration(value());
    else if (flag === '--path') options.path = parsePath(value());
    else if (flag === '--keep-going') options.keepGoing = true;
    else if (flag === '--keep-db') options.keepDatabase = true;
    else if (flag === '--trace') options.trace = true;
    else if (flag === '--help' || flag === '-h') throw new UsageError('');
    else throw new UsageError(`unknown option ${args[i]}`);
  }
  return options;
}

function parseInteger(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${flag} ${text}: a whole number from ${min} to ${max}`);
  }
  return value;
}

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--duration ${text}: expected e.g. 60s, 2m or 1500ms`);
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
  const ms = Number(match[1]) * unitMs[match[2] ?? 's'];
  if (ms < 1000 || ms > 3_600_000) throw new UsageError(`--duration ${text}: between 1 s and 1 h`);
  return ms;
}

function parsePath(text: string): string {
  if (!/^\d+(:\d+)*$/.test(text)) throw new UsageError(`--path ${text}: as printed by a failed run, e.g. 41:3:0`);
  return text;
}
