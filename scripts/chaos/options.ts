/** The command line of `npm run chaos -- [options]`. */
export interface Options {
  durationMs: number;
  tasks: number;
  keepDatabase: boolean;
  /** The replicas' pool through a PgBouncer in transaction mode, their LISTEN direct (as on Fly.io). */
  pgbouncer: boolean;
}

const USAGE = `usage: npm run chaos -- [--duration 60s] [--tasks N] [--keep-db] [--pgbouncer]
  --duration  how long the chaos lasts: 90s, 5m, 1500ms, or seconds (default 60s)
  --tasks     how many tasks to submit over that time (default 50 per second of chaos)
  --keep-db   keep the run database afterwards, to look into it (it is dropped otherwise; on the
              embedded server, the next run drops it)
  --pgbouncer the replicas' DATABASE_URL is a PgBouncer in transaction mode started for the run (from the
              system: apt-get install pgbouncer), DATABASE_LISTEN_URL the server itself`;

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
  }
}

export function parseOptions(args: string[]): Options {
  let durationMs = 60_000;
  let tasks: number | undefined;
  let keepDatabase = false;
  let pgbouncer = false;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const next = inline ?? args[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    if (flag === '--duration') durationMs = parseDuration(value());
    else if (flag === '--tasks') tasks = parseCount(value());
    else if (flag === '--keep-db') keepDatabase = true;
    else if (flag === '--pgbouncer') pgbouncer = true;
    else if (flag === '--help' || flag === '-h') throw new UsageError('');
    else throw new UsageError(`unknown option ${args[i]}`);
  }
  return { durationMs, tasks: tasks ?? Math.round((durationMs / 1000) * 50), keepDatabase, pgbouncer };
}

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--duration ${text}: expected e.g. 30s, 5m or 1500ms`);
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
  const ms = Number(match[1]) * unitMs[match[2] ?? 's'];
  if (ms < 5000 || ms > 3_600_000) throw new UsageError(`--duration ${text}: between 5 s and 1 h`);
  return ms;
}

function parseCount(text: string): number {
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000)
    throw new UsageError(`--tasks ${text}: a whole number, 1 or more`);
  return count;
}
