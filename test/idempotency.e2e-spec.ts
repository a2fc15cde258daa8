import type { Task } from '../src/task-store/task.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

/**
 * Idempotency keys, with two API-only replicas on one database (no worker: the tasks stay queued, so
 * their keys stay held unless a test ends them).
 */
describe('idempotency keys', () => {
  let database: TestDatabase;
  let one: TestApp;
  let two: TestApp;

  const count = async (key: string): Promise<number> =>
    (await database.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks WHERE key = $1', [key]))[0].n;

  beforeAll(async () => {
    database = await createTestDatabase();
    one = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    two = await startTestApp(database.url, { WORKER_ENABLED: 'false', IDEMPOTENCY_WINDOW: '1h' });
  });

  afterAll(async () => {
    await two?.close();
    await one?.close();
    await database?.drop();
  });

  it('returns the task already holding a key with 200 instead of creating another', async () => {
    const body = { type: 'sleep', payload: { ms: 5, nested: { a: 1, b: [1, 2] } }, key: 'order-1' };
    const first = await one.http.post('/tasks').send(body).expect(201);
    expect(first.body).toMatchObject({ key: 'order-1', queue: 'default', status: 'queued' });
    // The same task, written with its payload's keys in another order, from the other replica.
    const again = await two.http
      .post('/tasks')
      .send({ key: 'order-1', payload: { nested: { b: [1, 2], a: 1 }, ms: 5 }, type: 'sleep' })
      .expect(200);
    expect(again.body.id).toBe(first.body.id);
    expect(await count('order-1')).toBe(1);
  });

  it('takes the key from an Idempotency-Key header too, also with the shorthand body', async () => {
    const first = await one.http.post('/tasks').set('Idempotency-Key', 'hdr-1').send({ name: 'Jean' }).expect(201);
    expect(first.body).toMatchObject({ key: 'hdr-1', type: 'demo', payload: { name: 'Jean' } });
    const again = await one.http.post('/tasks').set('Idempotency-Key', 'hdr-1').send({ name: 'Jean' }).expect(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('refuses a bad key, or a header and a body key that differ, with 400 and stores nothing', async () => {
    const spaced = await one.http
      .post('/tasks')
      .send({ type: 'sleep', payload: { ms: 1 }, key: 'has space' })
      .expect(400);
    expect(spaced.body.message).toBe('key must be 1-200 printable ASCII characters without spaces');
    const long = await one.http.post('/tasks').set('Idempotency-Key', 'k'.repeat(201)).send({}).expect(400);
    expect(long.body.message).toMatch(/^Idempotency-Key: key must be 1-200/);
    const differ = await one.http
      .post('/tasks')
      .set('Idempotency-Key', 'header-key')
      .send({ type: 'sleep', payload: { ms: 1 }, key: 'body-key' })
      .expect(400);
    expect(differ.body.message).toMatch(/header and the body's key differ/);
    expect(await count('header-key')).toBe(0);
    expect(await count('body-key')).toBe(0);
  });

  it('answers 409 naming the key when it is reused for a different task, with the holder, storing nothing', async () => {
    const held = (
      await one.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 1 }, key: 'k-409' })
        .expect(201)
    ).body as Task;
    const conflict = await two.http
      .post('/tasks')
      .send({ type: 'sleep', payload: { ms: 2 }, key: 'k-409', priority: 3 })
      .expect(409);
    expect(conflict.body.message).toBe(
      `idempotency key "k-409" is already used by task ${held.id} with a different payload, priority`,
    );
    expect(conflict.body.task.id).toBe(held.id);
    expect(await count('k-409')).toBe(1);
  });

  it('creates one task for 50 concurrent submissions of one key from two replicas', async () => {
    const body = { type: 'sleep', payload: { ms: 1 }, key: 'race-1' };
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? one : two).http.post('/tasks').send(body)),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200)).toHaveLength(49);
    expect(new Set(responses.map((response) => (response.body as Task).id)).size).toBe(1);
    expect(await count('race-1')).toBe(1);
  });

  it('applies keys in a batch: a held key returns its task in place, all or nothing on a conflict', async () => {
    const held = (
      await one.http
        .post('/tasks')
        .send({ type: 'sleep', payload: { ms: 1 }, key: 'b-held' })
        .expect(201)
    ).body as Task;
    const batch = await one.http
      .post('/tasks/batch')
      .send({
        tasks: [
          { type: 'sleep', payload: { ms: 1 } },
          { type: 'sleep', payload: { ms: 1 }, key: 'b-held' },
          { type: 'sleep', payload: { ms: 1 }, key: 'b-new' },
          { type: 'sleep', payload: { ms: 1 }, key: 'b-new' },
        ],
      })
      .expect(201);
    const ids = (batch.body.tasks as Task[]).map((task) => task.id);
    expect(ids[1]).toBe(held.id);
    expect(ids[3]).toBe(ids[2]);
    expect(new Set(ids).size).toBe(3);

    const before = (await database.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks'))[0].n;
    const refused = await one.http
      .post('/tasks/batch')
      .send({
        tasks: [
          { type: 'sleep', payload: { ms: 1 }, key: 'b-fresh' },
          { type: 'fail', key: 'b-held' },
        ],
      })
      .expect(409);
    expect(refused.body.message).toBe(
      `tasks[1]: idempotency key "b-held" is already used by task ${held.id} with a different type, payload`,
    );
    expect((await database.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks'))[0].n).toBe(before);
  });

  it('frees a key once its task has ended, unless IDEMPOTENCY_WINDOW keeps it a while longer', async () => {
    const body = { type: 'sleep', payload: { ms: 1 }, key: 'ends' };
    const first = (await one.http.post('/tasks').send(body).expect(201)).body as Task;
    await one.http.delete(`/tasks/${first.id}`).expect(200);
    // The second replica keeps keys for an hour after their task ended: it still returns the cancelled task.
    const kept = await two.http.post('/tasks').send(body).expect(200);
    expect(kept.body).toMatchObject({ id: first.id, status: 'cancelled' });
    // The first keeps them only while the task is live: the key makes a new task.
    const fresh = await one.http.post('/tasks').send(body).expect(201);
    expect(fresh.body.id).not.toBe(first.id);
    expect(await count('ends')).toBe(2);
  });
});
