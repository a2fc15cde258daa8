import type { Task } from '../src/task-store/task.js';
import { OverlapProbeModule, overlap } from './support/overlap-probe.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

const overlapTasks = (queue: string, count: number): object[] =>
  Array.from({ length: count }, () => ({ type: 'overlap', queue }));

/** Lets the tasks of `queue` end as they start, until all of these have succeeded. */
async function releaseUntilDone(replica: TestApp, queue: string, tasks: Task[]): Promise<void> {
  await waitFor(`every task of queue ${queue} to succeed`, async () => {
    overlap.release(queue);
    const now = await Promise.all(tasks.map((task) => replica.task(task.id)));
    return now.every((task) => task.status === 'succeeded');
  });
}

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

  const submit = async (body: object): Promise<Task> =>
    (await api.http.post('/tasks').send(body).expect(201)).body as Task;

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
    const running = await submit({ type: 'sleep', payload: { ms: 60_000 }, queue: 'pausable' });
    await api.waitForStatus(running.id, 'running');
    const paused = await api.http.post('/queues/pausable/pause').expect(200);
    expect(paused.body).toMatchObject({ name: 'pausable', paused: true, concurrency: null, counts: { running: 1 } });

    const waiting = await submit({ type: 'sleep', payload: { ms: 1 }, queue: 'pausable' });
    // Submitted after it, in another queue: the claim that takes this one came after `waiting` was queued,
    // and would have taken `waiting` (older) first had the pause not held.
    const later = await submit({ type: 'sleep', payload: { ms: 1 } });
    await api.waitForStatus(later.id, 'succeeded');
    expect((await api.task(waiting.id)).status).toBe('queued');
    expect((await api.task(running.id)).status).toBe('running');

    const resumed = await api.http.post('/queues/pausable/resume').expect(200);
    expect(resumed.body.paused).toBe(false);
    await api.waitForStatus(waiting.id, 'succeeded');
    await api.http.delete(`/tasks/${running.id}`).expect(200);
  });

  it('never runs more tasks of a queue than its cluster-wide limit, with three replicas claiming', async () => {
    const limited = await api.http.put('/queues/limited').send({ concurrency: 2 }).expect(200);
    expect(limited.body).toMatchObject({ name: 'limited', concurrency: 2 });
    const { tasks } = (
      await api.http
        .post('/tasks/batch')
        .send({ tasks: overlapTasks('limited', 6) })
        .expect(201)
    ).body as { tasks: Task[] };
    // Two fill the limit and hold their slots, on two replicas (one slot each); the third replica is free.
    await waitFor('two tasks of the queue to run', () => overlap.runningIn('limited') === 2);
    const running = (await api.http.get('/tasks?status=running&queue=limited').expect(200)).body.tasks as Task[];
    expect(new Set(running.map((task) => task.workerId?.split('/')[0])).size).toBe(2);
    // The free replica is the only one that can take a task of another queue submitted now: the claim that
    // takes it came after the limited queue's tasks were due, and passed them over.
    const other = await submit({ type: 'sleep', payload: { ms: 1 } });
    await api.waitForStatus(other.id, 'succeeded');
    expect(overlap.runningIn('limited')).toBe(2);
    // Then each place the queue frees goes to its next task, and never a third at once.
    await releaseUntilDone(api, 'limited', tasks);
    expect(overlap.most.get('limited')).toBe(2);
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
          .send({ tasks: [...overlapTasks('own', 4), ...overlapTasks('shared', 8)] })
          .expect(201)
      ).body as { tasks: Task[] };
      const inQueue = (queue: string): Task[] => tasks.filter((task) => task.queue === queue);
      // Five slots, at most one of them for `own` (its limit here): `shared`, without one, runs four or more.
      await waitFor('every slot to be taken', () => overlap.runningIn('own') + overlap.runningIn('shared') === 5);
      expect(overlap.runningIn('shared')).toBeGreaterThanOrEqual(4);
      // Each shared task that ends frees a slot, claimed again while `own` tasks wait: one of those gets a
      // slot, and never a second.
      await releaseUntilDone(replica, 'shared', inQueue('shared'));
      await waitFor('an own task to hold a slot', () => overlap.runningIn('own') === 1);
      const own = await Promise.all(inQueue('own').map((task) => replica.task(task.id)));
      expect(own.map((task) => task.status).sort()).toEqual(['queued', 'queued', 'queued', 'running']);
      await releaseUntilDone(replica, 'own', inQueue('own'));
      expect(overlap.most.get('own')).toBe(1);
      expect((await replica.task(elsewhere.id)).status).toBe('queued');
    } finally {
      await replica.close();
      await database.drop();
    }
  });
});
