import type { Task } from '../src/task-store/task.js';
import { OverlapProbeModule, overlap } from './support/overlap-probe.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

const overlapTasks = (queue: string, count: number, ms = 30): object[] =>
  Array.from({ length: count }, () => ({ type: 'overlap', queue, payload: { ms } }));

describe('named queues', () => {
  let database: TestDatabase;
  let replicas: TestApp[];
  let api: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    replicas = [];
    for (let i = 0; i < 3; i++) {
      // One slot each: two tasks running at once are then on two replicas, so a limit that held is the cluster's.
      replicas.push(await startTestApp(database.url, { WORKER_CONCURRENCY: '1' }, [OverlapProbeModule]));
    }
    api = replicas[0];
  });

  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.close();
    await database?.drop();
  });

  beforeEach(() => overlap.reset());

  it('puts a task in the queue it names, `default` otherwise, and refuses a bad name with 400', async () => {
    const named = await api.http
      .post('/tasks')
      .send({ type: 'sleep', payload: { ms: 1 }, queue: 'reports' })
      .expect(201);
    expect(named.body.queue).toBe('reports');
    const plain = await api.http
      .post('/tasks')
      .send({ type: 'sleep', payload: { ms: 1 } })
      .expect(201);
    expect(plain.body.queue).toBe('default');
    const listed = (await api.http.get('/tasks?queue=reports').expect(200)).body.tasks as Task[];
    expect(listed.map((task) => task.id)).toEqual([named.body.id]);
    await api.http.get('/tasks?queue=No!').expect(400);
    const bad = await api.http
      .post('/tasks')
      .send({ type: 'sleep', payload: { ms: 1 }, queue: 'Bad Name' })
      .expect(400);
    expect(bad.body.message).toBe(
      'queue must be 1-63 lowercase letters, digits or ._- starting with a letter or digit',
    );
    await api.http.post('/queues/Bad%20Name/pause').expect(400);
    await api.waitForStatus(named.body.id, 'succeeded');
    const { queues } = (await api.http.get('/queues').expect(200)).body as {
      queues: { name: string; counts: Record<string, number> }[];
    };
    expect(queues.map((queue) => queue.name)).toEqual(expect.arrayContaining(['default', 'reports']));
    expect(queues.find((queue) => queue.name === 'reports')?.counts).toMatchObject({ succeeded: 1, queued: 0 });
  });

  it('claims nothing from a paused queue, leaves its running tasks alone, and claims again once resumed', async () => {
    const running = (
      await api.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 60_000 }, queue: 'pausable' })
        .expect(201)
    ).body as Task;
    await api.waitForStatus(running.id, 'running');
    const paused = await api.http.post('/queues/pausable/pause').expect(200);
    expect(paused.body).toMatchObject({ name: 'pausable', paused: true, concurrency: null, counts: { running: 1 } });

    const waiting = (
      await api.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 1 }, queue: 'pausable' })
        .expect(201)
    ).body as Task;
    // Submitted after it, in another queue: once this one has run, every replica has claimed since `waiting`
    // was queued, and none took it.
    const later = (
      await api.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 1 } })
        .expect(201)
    ).body as Task;
    await api.waitForStatus(later.id, 'succeeded');
    expect((await api.task(waiting.id)).status).toBe('queued');
    expect((await api.task(running.id)).status).toBe('running');

    const resumed = await api.http.post('/queues/pausable/resume').expect(200);
    expect(resumed.body.paused).toBe(false);
    await api.waitForStatus(waiting.id, 'succeeded');
    await api.http.delete(`/tasks/${running.id}`).expect(200);
  });

  it('never runs more tasks of a queue than its cluster-wide limit, with three replicas claiming at once', async () => {
    const limited = await api.http.put('/queues/limited').send({ concurrency: 2 }).expect(200);
    expect(limited.body).toMatchObject({ name: 'limited', concurrency: 2 });
    const { tasks } = (
      await api.http
        .post('/tasks/batch')
        .send({ tasks: overlapTasks('limited', 50) })
        .expect(201)
    ).body as { tasks: Task[] };
    const done = await Promise.all(tasks.map((task) => api.waitForStatus(task.id, 'succeeded')));
    // Three replicas could run three at once; two did, on two replicas, and never three.
    expect(overlap.most.get('limited')).toBe(2);
    expect(new Set(done.map((task) => task.workerId?.split('/')[0])).size).toBeGreaterThan(1);
  });

  it('refuses a bad limit with 400, and lifts a limit with null', async () => {
    const bad = await api.http.put('/queues/limited').send({ concurrency: 0 }).expect(400);
    expect(bad.body.message).toEqual(['concurrency must be an integer from 1 to 10000, or null']);
    await api.http.put('/queues/limited').send({}).expect(400);
    const lifted = await api.http.put('/queues/limited').send({ concurrency: null }).expect(200);
    expect(lifted.body.concurrency).toBeNull();
  });
});

describe('WORKER_QUEUES', () => {
  it('makes a replica work only the queues it names, each within its own limit there', async () => {
    const database = await createTestDatabase();
    const replica = await startTestApp(database.url, { WORKER_CONCURRENCY: '5', WORKER_QUEUES: 'own:1,shared' }, [
      OverlapProbeModule,
    ]);
    overlap.reset();
    try {
      const elsewhere = (
        await replica.http
          .post('/tasks')
          .send({ type: 'sleep', payload: { ms: 1 }, queue: 'elsewhere' })
          .expect(201)
      ).body as Task;
      const { tasks } = (
        await replica.http
          .post('/tasks/batch')
          .send({ tasks: [...overlapTasks('own', 4), ...overlapTasks('shared', 8, 50)] })
          .expect(201)
      ).body as { tasks: Task[] };
      await Promise.all(tasks.map((task) => replica.waitForStatus(task.id, 'succeeded')));
      expect(overlap.most.get('own')).toBe(1);
      expect(overlap.most.get('shared')).toBeGreaterThan(1);
      expect((await replica.task(elsewhere.id)).status).toBe('queued');
    } finally {
      await replica.close();
      await database.drop();
    }
  });
});
