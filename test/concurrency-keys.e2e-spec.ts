import type { Task } from '../src/task-store/task.js';
import { TaskSystem } from '../src/tasks/task-system.js';
import { OverlapProbeModule, overlap } from './support/overlap-probe.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/**
 * The most tasks of each concurrency key of `queue` that were ever running at once, from the start and end
 * of every attempt (the current one on the task, ended ones in task_attempts): a sweep over the starts
 * (+1) and ends (-1) in time order, an end before a start at the same instant.
 */
async function mostRunningPerKey(database: TestDatabase, queue: string): Promise<Record<string, number>> {
  const rows = await database.query<{ key: string; most: number }>(
    `WITH spans AS (
       SELECT concurrency_key AS key, started_at, finished_at FROM tasks WHERE queue = $1 AND started_at IS NOT NULL
       UNION ALL
       SELECT t.concurrency_key, a.started_at, a.finished_at
       FROM task_attempts AS a JOIN tasks AS t ON t.id = a.task_id WHERE t.queue = $1
     ), changes AS (
       SELECT key, started_at AS at, 1 AS delta FROM spans
       UNION ALL
       SELECT key, finished_at, -1 FROM spans WHERE finished_at IS NOT NULL
     )
     SELECT key, max(running)::int AS most
     FROM (SELECT key, sum(delta) OVER (PARTITION BY key ORDER BY at, delta) AS running FROM changes) AS sweep
     GROUP BY key`,
    [queue],
  );
  return Object.fromEntries(rows.map(({ key, most }) => [key, most]));
}

describe('concurrency keys', () => {
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

  it('is taken by POST /tasks, the batch, schedules and the in-process client, and shown on the task', async () => {
    const one = await api.http
      .post('/tasks')
      .send({ type: 'sleep', payload: { ms: 1 }, concurrencyKey: 'tenant-1' })
      .expect(201);
    expect(one.body).toMatchObject({ concurrencyKey: 'tenant-1', queue: 'default' });
    const plain = await api.http
      .post('/tasks')
      .send({ type: 'sleep', payload: { ms: 1 } })
      .expect(201);
    expect(plain.body.concurrencyKey).toBeNull();
    // A body with only concurrencyKey is canonical, not the shorthand's payload.
    const canonical = await api.http.post('/tasks').send({ concurrencyKey: 'tenant-2' }).expect(201);
    expect(canonical.body).toMatchObject({ type: 'demo', concurrencyKey: 'tenant-2', payload: null });

    const batch = await api.http
      .post('/tasks/batch')
      .send({ tasks: [{ type: 'sleep', payload: { ms: 1 }, concurrencyKey: 'tenant-3' }, { type: 'demo' }] })
      .expect(201);
    expect((batch.body.tasks as Task[]).map((task) => task.concurrencyKey)).toEqual(['tenant-3', null]);
    expect((await api.task(one.body.id)).concurrencyKey).toBe('tenant-1');

    const schedule = await api.http
      .post('/schedules')
      .send({ name: 'keyed', cron: '0 3 * * *', task: { type: 'demo', concurrencyKey: 'tenant-4' } })
      .expect(201);
    expect(schedule.body.task).toMatchObject({ concurrencyKey: 'tenant-4' });

    const inProcess = await api.app.get(TaskSystem).submit({ type: 'demo', concurrencyKey: 'tenant-5' });
    expect(inProcess.concurrencyKey).toBe('tenant-5');
  });

  it('refuses a bad concurrencyKey with a 400 naming it, and stores nothing', async () => {
    const before = await database.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks');
    const message = 'concurrencyKey must be 1-200 printable ASCII characters without spaces';
    for (const concurrencyKey of ['', 'has space', 'x'.repeat(201), 'nul\u0000', 42]) {
      const refused = await api.http.post('/tasks').send({ type: 'demo', concurrencyKey }).expect(400);
      expect([refused.body.message].flat()).toContain(message);
    }
    const inBatch = await api.http
      .post('/tasks/batch')
      .send({ tasks: [{ type: 'demo' }, { type: 'demo', concurrencyKey: 'two words' }] })
      .expect(400);
    expect(JSON.stringify(inBatch.body.message)).toContain(message);
    expect(await database.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks')).toEqual(before);
  });

  it('sets, shows and lifts keyConcurrency and rateLimit with PUT /queues/:name, and refuses bad ones', async () => {
    const set = await api.http
      .put('/queues/tenants')
      .send({ keyConcurrency: 2, rateLimit: { limit: 20, intervalMs: 1000 } })
      .expect(200);
    expect(set.body).toMatchObject({
      name: 'tenants',
      concurrency: null,
      keyConcurrency: 2,
      rateLimit: { limit: 20, intervalMs: 1000, perKey: false },
    });
    // A limit left out stays as it is.
    const limited = await api.http.put('/queues/tenants').send({ concurrency: 5 }).expect(200);
    expect(limited.body).toMatchObject({ concurrency: 5, keyConcurrency: 2, rateLimit: { limit: 20 } });
    const { queues } = (await api.http.get('/queues').expect(200)).body as { queues: { name: string }[] };
    expect(queues.find((queue) => queue.name === 'tenants')).toMatchObject({ keyConcurrency: 2 });

    const bad = async (body: object): Promise<unknown> =>
      (await api.http.put('/queues/tenants').send(body).expect(400)).body.message;
    expect(await bad({ keyConcurrency: 0 })).toEqual(['keyConcurrency must be an integer from 1 to 10000, or null']);
    expect(await bad({ rateLimit: { limit: 0, intervalMs: 1000 } })).toEqual([
      'rateLimit.limit must be an integer from 1 to 100000',
    ]);
    expect(await bad({ rateLimit: { limit: 5 } })).toEqual([
      'rateLimit.intervalMs must be an integer from 1 to 86400000 (a day)',
    ]);
    expect(await bad({ rateLimit: 5 })).toEqual(
      expect.arrayContaining([
        'rateLimit must be an object {"limit": n, "intervalMs": t, "perKey"?: boolean}, or null',
      ]),
    );
    expect(await bad({})).toBe('give at least one of concurrency, keyConcurrency, rateLimit (null lifts a limit)');
    expect((await api.http.get('/queues').expect(200)).body.queues).toContainEqual(
      expect.objectContaining({ name: 'tenants', keyConcurrency: 2, concurrency: 5 }),
    );

    const lifted = await api.http
      .put('/queues/tenants')
      .send({ concurrency: null, keyConcurrency: null, rateLimit: null })
      .expect(200);
    expect(lifted.body).toMatchObject({ concurrency: null, keyConcurrency: null, rateLimit: null });
  });
});

describe('fairness between keys', () => {
  let database: TestDatabase;
  let replica: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    // The claim's order is what is tested: without claiming ahead, whose buffered tasks go first (at most
    // the tasks buffered before B came, docs/design.md "Claiming ahead"; test/claim-buffer.e2e-spec.ts).
    replica = await startTestApp(database.url, { WORKER_CONCURRENCY: '2', WORKER_PREFETCH: '0' }, [OverlapProbeModule]);
  });

  afterAll(async () => {
    overlap.release('fair');
    await replica?.close();
    await database?.drop();
  });

  it('starts the one task of key B at the next claim, ahead of the 10,000 of key A queued before it', async () => {
    overlap.reset();
    await database.query(
      `INSERT INTO tasks (type, queue, concurrency_key) SELECT 'overlap', 'fair', 'A' FROM generate_series(1, 10000)`,
    );
    // Two of A's hold both slots until released.
    await waitFor('two tasks of A to run', () => overlap.runningIn('fair') === 2, { timeoutMs: 30_000 });
    const b = (
      await replica.http.post('/tasks').send({ type: 'overlap', queue: 'fair', concurrencyKey: 'B' }).expect(201)
    ).body as Task;
    // Priority still orders the tasks of a key: this one goes before the rest of A's backlog.
    const urgentA = (
      await replica.http
        .post('/tasks')
        .send({ type: 'overlap', queue: 'fair', concurrencyKey: 'A', priority: 5 })
        .expect(201)
    ).body as Task;

    // The two slots free up: the next claim takes the head of each lane, A's (its urgent task) and B.
    expect(overlap.release('fair')).toBe(2);
    await waitFor('two tasks to hold the slots again', () => overlap.held.size === 2);
    // The handlers that hold the slots now (the database may still show A's first two running, their
    // outcome being written while the next claim goes on).
    expect([...overlap.held.keys()].sort()).toEqual([b.id, urgentA.id].sort());
  });
});

describe('keyConcurrency with three replicas', () => {
  let database: TestDatabase;
  let replicas: TestApp[];

  beforeAll(async () => {
    database = await createTestDatabase();
    replicas = [];
    for (let i = 0; i < 3; i++) replicas.push(await startTestApp(database.url, { WORKER_CONCURRENCY: '4' }));
  });

  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.close();
    await database?.drop();
  });

  it('never runs more than keyConcurrency tasks of a key at once, and starts the key submitted last early', async () => {
    const [api] = replicas;
    await api.http.put('/queues/keyed').send({ keyConcurrency: 2 }).expect(200);
    const sleeps = (key: string, count: number): object[] =>
      Array.from({ length: count }, () => ({
        type: 'sleep',
        payload: { ms: 15 },
        queue: 'keyed',
        concurrencyKey: key,
      }));
    const early = (
      await api.http
        .post('/tasks/batch')
        .send({ tasks: ['k1', 'k2', 'k3', 'k4'].flatMap((key) => sleeps(key, 48)) })
        .expect(201)
    ).body.tasks as Task[];
    const last = (
      await api.http
        .post('/tasks/batch')
        .send({ tasks: sleeps('k5', 8) })
        .expect(201)
    ).body.tasks as Task[];

    await waitFor(
      'all 200 tasks to succeed',
      async () => {
        const [{ n }] = await database.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM tasks WHERE queue = 'keyed' AND status = 'succeeded'`,
        );
        return n === early.length + last.length;
      },
      { timeoutMs: 60_000 },
    );
    const most = await mostRunningPerKey(database, 'keyed');
    expect(Object.keys(most).sort()).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
    expect(Math.max(...Object.values(most))).toBe(2); // they did run side by side, and never three of a key
    // k5 came after 192 tasks of the other keys, yet started while most of them still waited.
    const [{ before }] = await database.query<{ before: number }>(
      `SELECT count(*)::int AS before FROM tasks
       WHERE queue = 'keyed' AND concurrency_key <> 'k5'
         AND started_at < (SELECT min(started_at) FROM tasks WHERE queue = 'keyed' AND concurrency_key = 'k5')`,
    );
    expect(before).toBeLessThan(early.length / 4);
  }, 90_000);
});
