import { Module } from '@nestjs/common';
import { SchedulesModule } from '../src/schedules/schedules.module.js';
import { SchedulesRepository } from '../src/schedules/schedules.repository.js';
import { ProbeHandlersModule } from './support/probe-handlers.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/** A schedule's tasks, oldest first, with the occurrence each one's key names. */
async function scheduledTasks(
  database: TestDatabase,
  name: string,
): Promise<{ id: string; key: string; status: string; createdAt: Date; occurrence: Date }[]> {
  const rows = await database.query<{ id: string; key: string; status: string; createdAt: Date }>(
    `SELECT id::text, key, status, created_at AS "createdAt" FROM tasks WHERE key LIKE $1 ORDER BY id`,
    [`schedule:${name}:%`],
  );
  return rows.map((row) => ({ ...row, occurrence: new Date(row.key.slice(`schedule:${name}:`.length)) }));
}

const storedSchedules = async (database: TestDatabase): Promise<number> =>
  Number((await database.query<{ n: string }>('SELECT count(*) AS n FROM schedules'))[0].n);

describe('schedules API', () => {
  let database: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
  });

  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  const nightly = {
    name: 'nightly-report',
    cron: '0 3 * * *',
    timezone: 'Europe/Paris',
    task: { type: 'sleep', payload: { ms: 10 }, priority: 5, maxAttempts: 2, timeoutMs: 60_000 },
    overlap: 'allow',
  };

  it('creates, lists, reads, pauses, resumes and deletes a schedule', async () => {
    const created = await api.http.post('/schedules').send(nightly).expect(201);
    expect(created.body).toMatchObject({
      ...nightly,
      task: { ...nightly.task, queue: 'default' },
      paused: false,
      source: 'api',
      lastRunAt: null,
      lastTaskId: null,
    });
    expect(new Date(created.body.nextRunAt).getTime()).toBeGreaterThan(Date.now());

    const listed = await api.http.get('/schedules').expect(200);
    expect(listed.body.schedules.map((s: { name: string }) => s.name)).toContain('nightly-report');
    expect((await api.http.get('/schedules/nightly-report').expect(200)).body).toEqual(created.body);

    const paused = await api.http.patch('/schedules/nightly-report').send({ paused: true }).expect(200);
    expect(paused.body).toMatchObject({ paused: true, nextRunAt: null, cron: '0 3 * * *' });
    const resumed = await api.http.patch('/schedules/nightly-report').send({ paused: false }).expect(200);
    expect(resumed.body).toMatchObject({ paused: false, nextRunAt: created.body.nextRunAt });
    const retimed = await api.http.patch('/schedules/nightly-report').send({ cron: '30 4 * * *' }).expect(200);
    expect(retimed.body.cron).toBe('30 4 * * *');
    expect(new Date(retimed.body.nextRunAt).toISOString()).toMatch(/T0[23]:30:00\.000Z$/); // 04:30 Paris

    const deleted = await api.http.delete('/schedules/nightly-report').expect(200);
    expect(deleted.body).toMatchObject({ name: 'nightly-report', cron: '30 4 * * *' });
    await api.http.get('/schedules/nightly-report').expect(404);
    await api.http.delete('/schedules/nightly-report').expect(404);
  });

  it('reads the body as JSON whatever its Content-Type, as POST /tasks does', async () => {
    await api.http
      .post('/schedules')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(JSON.stringify({ name: 'form-sent', cron: '0 0 * * *', task: {} }))
      .expect(201);
    await api.http.delete('/schedules/form-sent').expect(200);
  });

  it('answers a duplicate name with 409 and keeps the first', async () => {
    await api.http.post('/schedules').send({ name: 'twice', cron: '0 0 * * *', task: {} }).expect(201);
    const again = await api.http.post('/schedules').send({ name: 'twice', cron: '0 1 * * *', task: {} }).expect(409);
    expect(again.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'schedule "twice" already exists' });
    expect((await api.http.get('/schedules/twice').expect(200)).body.cron).toBe('0 0 * * *');
    await api.http.delete('/schedules/twice').expect(200);
  });

  describe('refuses bad input with a 4xx naming the problem, storing nothing', () => {
    const valid = { name: 'valid-name', cron: '*/5 * * * *', task: { type: 'demo' } };
    const cases: [string, unknown, number, RegExp][] = [
      ['a bad cron expression', { ...valid, cron: '61 * * * *' }, 400, /cron "61 \* \* \* \*" is not a valid cron/],
      ['a cron expression with 4 fields', { ...valid, cron: '* * * *' }, 400, /cron "\* \* \* \*".*4 field/],
      ['an unknown time zone', { ...valid, timezone: 'Mars/Olympus_Mons' }, 400, /timezone "Mars\/Olympus_Mons"/],
      ['a fixed offset for a time zone', { ...valid, timezone: '+02:00' }, 400, /timezone "\+02:00"/],
      [
        'an unknown task type',
        { ...valid, task: { type: 'nope' } },
        400,
        /unknown task type "nope"; known types: .*demo/,
      ],
      ['a bad name', { ...valid, name: 'Not OK' }, 400, /name must be 1-63 lower-case/],
      ['no name', { cron: valid.cron, task: valid.task }, 400, /name must be/],
      ['no task', { name: valid.name, cron: valid.cron }, 400, /task must be an object/],
      ['an unknown field', { ...valid, every: 'day' }, 400, /unknown field\(s\) "every"/],
      ['an unknown task field', { ...valid, task: { type: 'demo', when: 1 } }, 400, /task: unknown field\(s\) "when"/],
      ['task.runAt', { ...valid, task: { runAt: '2030-01-01T00:00:00Z' } }, 400, /task\.runAt is not allowed/],
      ['task.key', { ...valid, task: { key: 'mine' } }, 400, /task\.key is not allowed/],
      ['a priority out of range', { ...valid, task: { priority: 101 } }, 400, /priority must not be greater than 100/],
      ['an invalid payload', { ...valid, task: { type: 'sleep', payload: { ms: -1 } } }, 400, /ms/],
      ['a bad overlap policy', { ...valid, overlap: 'queue' }, 400, /overlap must be one of skip, allow/],
      ['a body that is not an object', [valid], 400, /body must be a JSON object/],
      [
        'a payload over the limit',
        { ...valid, task: { type: 'demo', payload: 'x'.repeat(70_000) } },
        413,
        /payload is 70002 bytes; the limit is 65536 bytes/,
      ],
    ];
    it.each(cases)('%s', async (_, body, status, message) => {
      const response = await api.http
        .post('/schedules')
        .send(body as object)
        .expect(status);
      const text = [response.body.message].flat().join('; ');
      expect(text).toMatch(message);
      expect(await storedSchedules(database)).toBe(0);
    });

    it('a body that is not JSON', async () => {
      const response = await api.http.post('/schedules').set('Content-Type', 'text/plain').send('{name').expect(400);
      expect(response.body.message).toMatch(/body is not valid JSON/);
    });

    it('a name in the path that no schedule can have, or that none has', async () => {
      expect((await api.http.get('/schedules/Not%20OK').expect(400)).body.message).toMatch(/is not a schedule name/);
      expect((await api.http.get('/schedules/unknown').expect(404)).body.message).toBe(
        'schedule "unknown" does not exist',
      );
      await api.http.patch('/schedules/unknown').send({ paused: true }).expect(404);
    });

    it('a bad change, leaving the schedule as it was', async () => {
      await api.http.post('/schedules').send(valid).expect(201);
      const bad = await api.http.patch('/schedules/valid-name').send({ cron: 'often', name: 'x' }).expect(400);
      expect(bad.body.message).toMatch(/name cannot be changed/);
      const badCron = await api.http.patch('/schedules/valid-name').send({ cron: 'often' }).expect(400);
      expect(badCron.body.message).toMatch(/cron "often"/);
      expect((await api.http.get('/schedules/valid-name').expect(200)).body.cron).toBe('*/5 * * * *');
      await api.http.delete('/schedules/valid-name').expect(200);
    });
  });

  it('computes nextRunAt in the time zone given: 09:00 in New York', async () => {
    const created = await api.http
      .post('/schedules')
      .send({ name: 'new-york-nine', cron: '0 9 * * *', timezone: 'America/New_York', task: {} })
      .expect(201);
    expect(created.body.timezone).toBe('America/New_York');
    expect(created.body.nextRunAt).toBe(nextNineAmInNewYork(new Date()).toISOString());
    await api.http.delete('/schedules/new-york-nine').expect(200);
  });

  it('is in the OpenAPI document, behind the API key', async () => {
    const document = (await api.http.get('/docs-json').expect(200)).body;
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/schedules', '/schedules/{name}']));
    expect(document.paths['/schedules'].post.tags).toEqual(['schedules']);
    expect(document.paths['/schedules'].post.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(document.paths['/schedules'].post.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '409', '413']),
    );

    const locked = await startTestApp(database.url, { WORKER_ENABLED: 'false', API_KEYS: 'a-key-of-sixteen-chars' });
    try {
      await locked.http.get('/schedules').expect(401);
      await locked.http.get('/schedules').set('Authorization', 'Bearer a-key-of-sixteen-chars').expect(200);
    } finally {
      await locked.close();
    }
  });
});

/** The next 09:00 New York time after `now`, found with Intl alone (not with the cron library under test). */
function nextNineAmInNewYork(now: Date): Date {
  const zone = 'America/New_York';
  const wallClock = (instant: Date): string =>
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(instant);
  for (let days = 0; days <= 2; days++) {
    const date = wallClock(new Date(now.getTime() + days * 86_400_000)).slice(0, 10);
    // New York is 4 (summer) or 5 (winter) hours behind UTC: 09:00 there is 13:00 or 14:00 UTC.
    for (const utcHour of [13, 14]) {
      const candidate = new Date(`${date}T${utcHour}:00:00.000Z`);
      if (candidate > now && wallClock(candidate) === `${date}, 09:00`) return candidate;
    }
  }
  throw new Error('no 09:00 in New York in the next two days');
}

describe('schedule firing', () => {
  it('waits a whole poll between passes while nothing is scheduled, and until the next run otherwise', async () => {
    const database = await createTestDatabase();
    const replica = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    try {
      const repository = replica.app.get(SchedulesRepository);
      // Null, not 0: "due now" would make every replica run a pass every few milliseconds.
      expect(await repository.msUntilNextDue()).toBeNull();
      await replica.http
        .post('/schedules')
        .send({ name: 'yearly', cron: '0 0 1 1 *', task: { type: 'demo' } })
        .expect(201);
      expect(await repository.msUntilNextDue()).toBeGreaterThan(60_000);
    } finally {
      await replica.close();
      await database.drop();
    }
  });

  it('submits each occurrence of an every-second schedule exactly once with three replicas', async () => {
    const database = await createTestDatabase();
    // API-only replicas: firing a schedule needs no worker, and the tasks stay queued to be counted.
    const replicas = await Promise.all([1, 2, 3].map(() => startTestApp(database.url, { WORKER_ENABLED: 'false' })));
    try {
      await replicas[0].http
        .post('/schedules')
        .send({ name: 'every-second', cron: '* * * * * *', task: { type: 'demo' }, overlap: 'allow' })
        .expect(201);
      await waitFor(
        'five occurrences submitted',
        async () => (await scheduledTasks(database, 'every-second')).length >= 5,
      );
      await replicas[1].http.delete('/schedules/every-second').expect(200);

      const tasks = await scheduledTasks(database, 'every-second');
      const occurrences = tasks.map((task) => task.occurrence.getTime());
      expect(new Set(occurrences).size).toBe(occurrences.length); // no occurrence twice
      for (const occurrence of occurrences) expect(occurrence % 1000).toBe(0);
      // One task per second from the first occurrence to the last: none missed, none doubled.
      const sorted = [...occurrences].sort((a, b) => a - b);
      expect(sorted.slice(1).map((occurrence, index) => occurrence - sorted[index])).toEqual(
        Array(sorted.length - 1).fill(1000),
      );
      expect(await storedSchedules(database)).toBe(0);
      const lags = tasks.map((task) => task.createdAt.getTime() - task.occurrence.getTime()).sort((a, b) => a - b);
      process.stdout.write(
        `every-second schedule on 3 replicas: ${tasks.length} occurrences, each submitted once, ${lags[0]}-${lags[lags.length - 1]} ms after its time\n`,
      );
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
      await database.drop();
    }
  });

  it('overlap skip submits nothing while the previous occurrence’s task is still running', async () => {
    const database = await createTestDatabase();
    const replica = await startTestApp(database.url, { SHUTDOWN_GRACE_MS: '100' }, [ProbeHandlersModule]);
    try {
      // A probe task runs until it is stopped: it stays running for as long as the test wants.
      await replica.http
        .post('/schedules')
        .send({ name: 'no-overlap', cron: '* * * * * *', task: { type: 'probe' }, overlap: 'skip' })
        .expect(201);
      const [first] = await waitFor('the first occurrence submitted', async () => {
        const tasks = await scheduledTasks(database, 'no-overlap');
        return tasks.length > 0 && tasks;
      });
      await replica.waitForStatus(first.id, 'running');
      // Two more occurrences come and go while it runs.
      await waitFor('two later occurrences passed', async () => {
        const schedule = (await replica.http.get('/schedules/no-overlap').expect(200)).body;
        return new Date(schedule.nextRunAt).getTime() >= first.occurrence.getTime() + 3000;
      });
      expect(await scheduledTasks(database, 'no-overlap')).toHaveLength(1);
      expect((await replica.task(first.id)).status).toBe('running');

      await replica.http.delete(`/tasks/${first.id}`).expect(200);
      const [, second] = await waitFor('an occurrence submitted once the first task ended', async () => {
        const tasks = await scheduledTasks(database, 'no-overlap');
        return tasks.length > 1 && tasks;
      });
      expect(second.occurrence.getTime()).toBeGreaterThanOrEqual(first.occurrence.getTime() + 3000);
      const schedule = (await replica.http.delete('/schedules/no-overlap').expect(200)).body;
      expect(schedule.lastTaskId).toBe(second.id);
    } finally {
      await replica.close();
      await database.drop();
    }
  });

  it('skips an occurrence whose task cannot be stored, without holding up the other schedules', async () => {
    const database = await createTestDatabase();
    const replica = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    try {
      for (const name of ['healthy', 'poisoned']) {
        await replica.http
          .post('/schedules')
          .send({ name, cron: '* * * * * *', task: { type: 'demo' }, overlap: 'allow' })
          .expect(201);
      }
      // A task the tasks table refuses (its CHECK on priority), as a bad hand edit would leave it.
      await database.query(`UPDATE schedules SET task = jsonb_set(task, '{priority}', '1000') WHERE name = 'poisoned'`);
      const since = Date.now();
      await waitFor('three occurrences of the healthy schedule', async () => {
        const tasks = await scheduledTasks(database, 'healthy');
        return tasks.filter((task) => task.occurrence.getTime() > since).length >= 3;
      });
      const poisoned = (await replica.http.get('/schedules/poisoned').expect(200)).body;
      expect(await scheduledTasks(database, 'poisoned')).toHaveLength(0);
      expect(new Date(poisoned.nextRunAt).getTime()).toBeGreaterThan(since + 2000); // it moved on
    } finally {
      await replica.close();
      await database.drop();
    }
  });

  it('after downtime submits only the latest missed occurrence, then waits for the next one', async () => {
    const database = await createTestDatabase();
    const first = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    await first.http.post('/schedules').send({ name: 'hourly', cron: '0 * * * *', task: {} }).expect(201);
    await first.close();
    // Every replica was down for five hours: six occurrences are due, from 5 hours ago to this hour's.
    await database.query(`UPDATE schedules SET next_run_at = date_trunc('hour', now()) - interval '5 hours'`);

    const replica = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    try {
      const schedule = await waitFor('the schedule moved past now', async () => {
        const current = (await replica.http.get('/schedules/hourly').expect(200)).body as {
          nextRunAt: string;
          lastRunAt: string;
          lastTaskId: string;
        };
        return new Date(current.nextRunAt).getTime() > Date.now() && current;
      });
      const tasks = await scheduledTasks(database, 'hourly');
      expect(tasks).toHaveLength(1);
      expect(tasks[0].key).toBe(`schedule:hourly:${schedule.lastRunAt}`);
      expect(schedule.lastTaskId).toBe(tasks[0].id);
      const latest = new Date(schedule.lastRunAt).getTime();
      expect(latest % 3_600_000).toBe(0);
      expect(Date.now() - latest).toBeLessThan(3_600_000); // the latest one, not the first missed
      expect(new Date(schedule.nextRunAt).getTime()).toBe(latest + 3_600_000);
    } finally {
      await replica.close();
      await database.drop();
    }
  });
});

@Module({
  imports: [
    SchedulesModule.forFeature({
      schedules: [
        {
          name: 'code-nightly',
          cron: '0 2 * * *',
          timezone: 'Europe/Paris',
          task: { type: 'demo', payload: { from: 'code' } },
        },
      ],
    }),
  ],
})
class CodeSchedulesModule {}

describe('schedules declared in code', () => {
  it('are upserted at start-up, listed as code, and deleted once no longer declared', async () => {
    const database = await createTestDatabase();
    try {
      const declaring = await startTestApp(database.url, { WORKER_ENABLED: 'false' }, [CodeSchedulesModule]);
      try {
        const listed = (await declaring.http.get('/schedules').expect(200)).body.schedules;
        expect(listed).toEqual([
          expect.objectContaining({
            name: 'code-nightly',
            source: 'code',
            cron: '0 2 * * *',
            timezone: 'Europe/Paris',
            task: {
              type: 'demo',
              payload: { from: 'code' },
              priority: 0,
              maxAttempts: 3,
              timeoutMs: null,
              queue: 'default',
              concurrencyKey: null,
            },
            overlap: 'skip',
          }),
        ]);
        const refused = await declaring.http.delete('/schedules/code-nightly').expect(409);
        expect(refused.body.message).toMatch(/declared in code/);
        await declaring.http.patch('/schedules/code-nightly').send({ cron: '0 4 * * *' }).expect(409);
        await declaring.http.patch('/schedules/code-nightly').send({ paused: true }).expect(200);
      } finally {
        await declaring.close();
      }

      // A restart with the same code keeps the operator's pause.
      const again = await startTestApp(database.url, { WORKER_ENABLED: 'false' }, [CodeSchedulesModule]);
      try {
        expect((await again.http.get('/schedules/code-nightly').expect(200)).body.paused).toBe(true);
      } finally {
        await again.close();
      }

      // Code that no longer declares it: gone at start-up.
      const without = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
      try {
        await without.http.get('/schedules/code-nightly').expect(404);
      } finally {
        await without.close();
      }
    } finally {
      await database.drop();
    }
  });
});
