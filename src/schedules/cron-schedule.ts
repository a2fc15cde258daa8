import { CronTime } from 'cron';

/**
 * When a cron expression fires, in a time zone. Computed by the `cron` package (the one @nestjs/schedule
 * already runs on, pinned to the same version), which evaluates the expression on the wall clock of the
 * zone through luxon: so `0 9 * * *` in America/New_York is 09:00 New York time in winter and in summer.
 */
export class CronSchedule {
  private readonly time: CronTime;

  /** Throws when the expression or the zone is invalid: check them first with cronProblems / canonicalTimeZone. */
  constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    this.time = new CronTime(expression, timeZone);
  }

  /** The first occurrence strictly after `instant`. Throws when there is none in the next 8 years. */
  next(instant: Date): Date {
    return this.time.getNextDateFrom(instant, this.timeZone).toJSDate();
  }

  /**
   * The latest occurrence in [floor, now], or undefined when there is none. The library only counts
   * forwards, and walking from `floor` could take a while after a long downtime with a dense expression
   * (each step costs ~0.1 ms: a day of a every-second schedule is 8 s of CPU). So it looks back from
   * `now` over a window that doubles until an occurrence falls in it, then walks forwards from there:
   * the walk covers only the occurrences of the last window, whose later half held none.
   */
  latestBetween(floor: Date, now: Date): Date | undefined {
    if (floor.getTime() > now.getTime()) return undefined;
    // An occurrence at `floor` itself counts, and next() is strictly after its argument.
    const searchStart = floor.getTime() - 1;
    for (let windowMs = 1000; ; windowMs *= 2) {
      const from = Math.max(searchStart, now.getTime() - windowMs);
      let found = this.next(new Date(from));
      if (found.getTime() <= now.getTime()) {
        for (let after = this.next(found); after.getTime() <= now.getTime(); after = this.next(after)) found = after;
        return found;
      }
      if (from === searchStart) return undefined;
    }
  }
}

/** Five fields (minute hour day-of-month month day-of-week), or six with seconds first. */
const FIELD_COUNTS = [5, 6];

/** Why `expression` is not a cron expression we accept, or an empty list when it is one. */
export function cronProblems(expression: string): string[] {
  const fields = expression.trim().split(/\s+/).length;
  const problem = (why: string): string[] => [
    `cron "${expression}" is not a valid cron expression (5 fields: minute hour day-of-month month day-of-week, or 6 with seconds first): ${why}`,
  ];
  if (!FIELD_COUNTS.includes(fields)) return problem(`it has ${fields} field(s)`);
  const { valid, error } = CronTime.validateCronExpression(expression);
  if (!valid) return problem(error?.message ?? 'rejected by the cron parser');
  try {
    new CronSchedule(expression, 'UTC').next(new Date());
  } catch {
    return [`cron "${expression}" never fires (no occurrence in the next 8 years)`];
  }
  return [];
}

/**
 * The IANA name of a time zone (`utc` becomes `UTC`, `europe/paris` becomes `Europe/Paris`), or
 * undefined when there is no such zone. Offsets such as `+02:00` are refused: a fixed offset ignores
 * daylight saving, which is what naming a zone is for.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return undefined;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  // luxon (which computes the occurrences) must know the zone as well as Intl does.
  try {
    new CronTime('* * * * *', canonical);
  } catch {
    return undefined;
  }
  return canonical;
}

/** What a replica does with a due schedule: which occurrence to submit, and where the schedule moves next. */
export interface OccurrencePlan {
  occurrence: Date;
  /** Occurrences between the stored next run and `occurrence` were missed and are not submitted. */
  missedEarlier: boolean;
  nextRunAt: Date;
}

/**
 * The missed-occurrence rule. A schedule due at `nextRunAt` is claimed at `now` (normally a few ms later).
 * If further occurrences came meanwhile (every replica was down, or the database was), only the latest one
 * up to `now` is submitted, never a burst of all of them; the schedule then moves to the first occurrence
 * after `now`. Strictly later than `now`, so a claim always moves a schedule forwards.
 */
export function planOccurrence(cron: CronSchedule, nextRunAt: Date, now: Date): OccurrencePlan {
  const occurrence = cron.latestBetween(nextRunAt, now) ?? nextRunAt;
  const from = occurrence.getTime() > now.getTime() ? occurrence : now;
  return {
    occurrence,
    missedEarlier: occurrence.getTime() > nextRunAt.getTime(),
    nextRunAt: cron.next(from),
  };
}
