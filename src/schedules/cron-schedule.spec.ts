import { canonicalTimeZone, CronSchedule, cronProblems, planOccurrence } from './cron-schedule.js';

const at = (iso: string): Date => new Date(iso);
const iso = (date: Date | undefined): string | undefined => date?.toISOString();

describe('CronSchedule.next', () => {
  it('reads 5 fields as minute-level and 6 fields with seconds first', () => {
    expect(iso(new CronSchedule('*/15 * * * *', 'UTC').next(at('2026-01-01T00:07:30Z')))).toBe(
      '2026-01-01T00:15:00.000Z',
    );
    expect(iso(new CronSchedule('*/10 * * * * *', 'UTC').next(at('2026-01-01T00:00:00.500Z')))).toBe(
      '2026-01-01T00:00:10.000Z',
    );
  });

  it('is strictly after the instant given', () => {
    const everySecond = new CronSchedule('* * * * * *', 'UTC');
    expect(iso(everySecond.next(at('2026-01-01T00:00:01.000Z')))).toBe('2026-01-01T00:00:02.000Z');
  });

  it('reads the expression on the wall clock of its time zone, across daylight saving', () => {
    const nineInNewYork = new CronSchedule('0 9 * * *', 'America/New_York');
    expect(iso(nineInNewYork.next(at('2026-03-07T15:00:00Z')))).toBe('2026-03-08T13:00:00.000Z'); // EDT from 8 March
    expect(iso(nineInNewYork.next(at('2026-03-06T15:00:00Z')))).toBe('2026-03-07T14:00:00.000Z'); // EST
    expect(iso(new CronSchedule('0 9 * * *', 'Asia/Kolkata').next(at('2026-01-01T00:00:00Z')))).toBe(
      '2026-01-01T03:30:00.000Z',
    );
  });

  it('runs a time skipped by spring-forward when the gap ends, and a repeated time once', () => {
    // 02:30 does not exist in New York on 2026-03-08: it runs at 03:00 EDT.
    expect(iso(new CronSchedule('30 2 * * *', 'America/New_York').next(at('2026-03-08T05:00:00Z')))).toBe(
      '2026-03-08T07:00:00.000Z',
    );
    // 01:30 happens twice on 2026-11-01 (EDT, then EST): the daily schedule runs at the first only.
    const halfPastOne = new CronSchedule('30 1 * * *', 'America/New_York');
    expect(iso(halfPastOne.next(at('2026-11-01T04:00:00Z')))).toBe('2026-11-01T05:30:00.000Z');
    expect(iso(halfPastOne.next(at('2026-11-01T05:30:00Z')))).toBe('2026-11-02T06:30:00.000Z');
    // An hourly schedule runs in both copies of the repeated hour: they are different instants.
    const hourly = new CronSchedule('0 * * * *', 'America/New_York');
    expect(iso(hourly.next(at('2026-11-01T05:00:00Z')))).toBe('2026-11-01T06:00:00.000Z');
  });
});

describe('CronSchedule.latestBetween', () => {
  const everyMinute = new CronSchedule('* * * * *', 'UTC');

  it('finds the latest occurrence up to now, the floor included', () => {
    expect(iso(everyMinute.latestBetween(at('2026-01-01T00:00:00Z'), at('2026-01-01T05:17:42Z')))).toBe(
      '2026-01-01T05:17:00.000Z',
    );
    expect(iso(everyMinute.latestBetween(at('2026-01-01T05:17:00Z'), at('2026-01-01T05:17:00Z')))).toBe(
      '2026-01-01T05:17:00.000Z',
    );
  });

  it('finds none when no occurrence lies between floor and now', () => {
    expect(everyMinute.latestBetween(at('2026-01-01T05:17:01Z'), at('2026-01-01T05:17:59Z'))).toBeUndefined();
    expect(everyMinute.latestBetween(at('2026-01-02T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('stays quick after a long downtime of a dense schedule', () => {
    const everySecond = new CronSchedule('* * * * * *', 'UTC');
    const started = Date.now();
    // 30 days of every-second occurrences: walking them one by one would take minutes.
    expect(iso(everySecond.latestBetween(at('2026-01-01T00:00:00Z'), at('2026-01-31T00:00:00.400Z')))).toBe(
      '2026-01-31T00:00:00.000Z',
    );
    const sparse = new CronSchedule('0 9 1 * *', 'Europe/Paris');
    expect(iso(sparse.latestBetween(at('2025-01-01T00:00:00Z'), at('2026-06-15T00:00:00Z')))).toBe(
      '2026-06-01T07:00:00.000Z',
    );
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('planOccurrence (the missed-occurrence rule)', () => {
  const everyMinute = new CronSchedule('* * * * *', 'UTC');

  it('submits the due occurrence and moves to the next one after now', () => {
    expect(planOccurrence(everyMinute, at('2026-01-01T00:05:00Z'), at('2026-01-01T00:05:00.010Z'))).toEqual({
      occurrence: at('2026-01-01T00:05:00Z'),
      missedEarlier: false,
      nextRunAt: at('2026-01-01T00:06:00Z'),
    });
  });

  it('after downtime submits only the latest missed occurrence, then moves to the future', () => {
    expect(planOccurrence(everyMinute, at('2026-01-01T00:05:00Z'), at('2026-01-01T03:00:30Z'))).toEqual({
      occurrence: at('2026-01-01T03:00:00Z'),
      missedEarlier: true,
      nextRunAt: at('2026-01-01T03:01:00Z'),
    });
  });

  it('submits a stored next run that is no occurrence (set by hand) as it is', () => {
    const daily = new CronSchedule('0 9 * * *', 'UTC');
    expect(planOccurrence(daily, at('2026-01-01T10:00:00Z'), at('2026-01-01T10:30:00Z'))).toEqual({
      occurrence: at('2026-01-01T10:00:00Z'),
      missedEarlier: false,
      nextRunAt: at('2026-01-02T09:00:00Z'),
    });
  });
});

describe('cronProblems', () => {
  it('accepts 5 and 6 fields, names and steps', () => {
    for (const cron of ['0 9 * * 1-5', '*/10 * * * * *', '0 0 1 JAN,JUL *', '15 8 * * MON']) {
      expect(cronProblems(cron)).toEqual([]);
    }
  });

  it('names the expression and the problem', () => {
    expect(cronProblems('* * * *')[0]).toMatch(/^cron "\* \* \* \*" is not a valid cron expression .*4 field/);
    expect(cronProblems('* * * * * * *')[0]).toMatch(/7 field/);
    expect(cronProblems('61 * * * *')[0]).toMatch(/cron "61 \* \* \* \*".*out of range/);
    expect(cronProblems('every day')[0]).toMatch(/cron "every day"/);
    expect(cronProblems('0 0 30 2 *')[0]).toMatch(/never fires/);
  });
});

describe('canonicalTimeZone', () => {
  it('gives the canonical IANA name of a zone', () => {
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('America/New_York')).toBe('America/New_York');
  });

  it('refuses unknown zones and fixed offsets', () => {
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeUndefined();
    expect(canonicalTimeZone('+02:00')).toBeUndefined();
    expect(canonicalTimeZone('')).toBeUndefined();
  });
});
