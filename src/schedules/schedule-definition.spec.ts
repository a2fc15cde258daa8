import 'reflect-metadata';
import { readScheduleDefinition, readSchedulePatch } from './schedule-definition.js';
import type { ScheduleDefinition } from './schedule.js';

const read = (body: unknown): ReturnType<typeof readScheduleDefinition> => readScheduleDefinition(body, 'demo');

describe('readScheduleDefinition', () => {
  it('fills in the defaults and canonical names', async () => {
    expect(await read({ name: 'nightly', cron: '0  3 * * *', timezone: 'europe/paris', task: {} })).toEqual({
      name: 'nightly',
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
      task: {
        type: 'demo',
        payload: null,
        priority: 0,
        maxAttempts: 3,
        timeoutMs: null,
        queue: 'default',
        concurrencyKey: null,
      },
      overlap: 'skip',
      paused: false,
    });
  });

  it('keeps every task field given', async () => {
    const task = { type: 'sleep', payload: { ms: 5 }, priority: 7, maxAttempts: 2, timeoutMs: 1000, queue: 'reports' };
    const definition = await read({ name: 'a', cron: '* * * * *', task, overlap: 'allow', paused: true });
    expect(definition).toMatchObject({ task, overlap: 'allow', paused: true, timezone: 'UTC' });
  });

  it('names every problem', async () => {
    const problems = (await read({
      name: 'Bad Name',
      cron: '* * *',
      timezone: 'Nowhere/Special',
      overlap: 'sometimes',
      task: { priority: 1000 },
    })) as string[];
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^name must be/),
        expect.stringMatching(/^cron "\* \* \*"/),
        expect.stringMatching(/^timezone "Nowhere\/Special" is not an IANA time zone/),
        expect.stringMatching(/^overlap must be one of skip, allow/),
        expect.stringMatching(/^task: priority/),
      ]),
    );
  });

  it('refuses unknown fields, a task that is not an object, and runAt or key in the task', async () => {
    expect(await read({ name: 'a', cron: '* * * * *', task: {}, every: 'day' })).toEqual([
      expect.stringMatching(/^unknown field\(s\) "every"/),
    ]);
    expect(await read({ name: 'a', cron: '* * * * *', task: 'demo' })).toEqual([
      expect.stringMatching(/^task must be an object/),
    ]);
    expect(await read({ name: 'a', cron: '* * * * *', task: { runAt: '2026-01-01T00:00:00Z', key: 'k' } })).toEqual([
      expect.stringMatching(/^task\.runAt is not allowed/),
      expect.stringMatching(/^task\.key is not allowed/),
    ]);
    expect(await read([])).toEqual(['body must be a JSON object']);
  });
});

describe('readSchedulePatch', () => {
  const current: ScheduleDefinition = {
    name: 'nightly',
    cron: '0 3 * * *',
    timezone: 'UTC',
    task: {
      type: 'sleep',
      payload: { ms: 5 },
      priority: 0,
      maxAttempts: 3,
      timeoutMs: null,
      queue: 'default',
      concurrencyKey: null,
    },
    overlap: 'skip',
    paused: false,
  };

  it('replaces only the fields given, and keeps the stored task unless one is given', async () => {
    expect(await readSchedulePatch({ paused: true }, current, 'demo')).toEqual({ ...current, paused: true });
    expect(await readSchedulePatch({ task: { type: 'demo' } }, current, 'demo')).toMatchObject({
      task: { type: 'demo', payload: null },
      cron: '0 3 * * *',
    });
  });

  it('refuses a new name and checks the result as a whole', async () => {
    expect(await readSchedulePatch({ name: 'other' }, current, 'demo')).toEqual([
      expect.stringMatching(/^name cannot be changed/),
    ]);
    expect(await readSchedulePatch({ cron: 'nope' }, current, 'demo')).toEqual([expect.stringMatching(/^cron "nope"/)]);
  });
});
