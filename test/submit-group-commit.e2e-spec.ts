import { randomBytes } from 'node:crypto';
import { Database } from '../src/database/database.js';
import type { Task } from '../src/task-store/task.js';
import type { StoredTask } from '../src/task-store/task.repository.js';
import { TaskManagerService } from '../src/tasks/task-manager.service.js';
import { TaskSystem } from '../src/tasks/task-system.js';
import type { TaskSubmission } from '../src/tasks/task-system.js';
import type { CreateTaskDto } from '../src/tasks/dto/create-task.dto.js';
import { startInMemoryTracing } from './support/in-memory-tracing.js';
import type { InMemoryTracing } from './support/in-memory-tracing.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

/** A sleep task to submit (it stays queued: no worker runs here), with `extra` fields. */
const sleep = (extra: Omit<TaskSubmission, 'type' | 'runAt'> = {}): TaskSubmission & CreateTaskDto => ({
  type: 'sleep',
  payload: { ms: 1 },
  ...extra,
});

/** A caller's trace, as another service would send it in a W3C `traceparent` header. */
const callerTraceId = (): string => randomBytes(16).toString('hex');

/** Lets the turn of the event loop end, so that what was added so far is written as a group. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Group commit of single submissions (docs/design.md): on one API-only replica (no worker, so the tasks
 * stay queued and no claim commits in between), submissions that arrive together share one INSERT and one
 * commit, yet each gets its own answer, its own errors and its own id in arrival order.
 *
 * Commits are counted by the tasks' `xmin`, the id of the transaction that inserted each row: how many
 * transactions stored these tasks, exactly, whatever else commits on the server. (pg_stat_database's
 * xact_commit would count other connections too, and each backend reports it up to seconds late.)
 */
describe('group commit of single submissions', () => {
  let tracing: InMemoryTracing;
  let database: TestDatabase;
  let api: TestApp;
  let taskSystem: TaskSystem;
  let manager: TaskManagerService;

  const transactionsThatStored = async (ids: string[]): Promise<number> =>
    (
      await database.query<{ n: number }>(
        'SELECT count(DISTINCT xmin::text)::int AS n FROM tasks WHERE id = ANY($1::bigint[])',
        [ids],
      )
    )[0].n;
  const stored = async (ids: string[]): Promise<number> =>
    (await database.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks WHERE id = ANY($1::bigint[])', [ids]))[0]
      .n;

  beforeAll(async () => {
    tracing = startInMemoryTracing();
    database = await createTestDatabase();
    api = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    taskSystem = api.app.get(TaskSystem);
    manager = api.app.get(TaskManagerService);
  });

  afterAll(async () => {
    await api?.close();
    await database?.drop();
    await tracing?.stop();
  });

  it('stores 50 concurrent POST /tasks in far fewer commits, each with its own task, request id and trace', async () => {
    const traceIds = Array.from({ length: 50 }, callerTraceId);
    const responses = await Promise.all(
      traceIds.map((traceId, i) =>
        api.http
          .post('/tasks')
          .set('X-Request-Id', `group-${i}`)
          .set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`)
          .send(sleep({ payload: { ms: 1, i } })),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(traceIds.map(() => 201));
    const tasks = responses.map((response) => response.body as Task);
    expect(tasks.map((task) => task.payload)).toEqual(traceIds.map((_, i) => ({ ms: 1, i })));
    const ids = tasks.map((task) => task.id);
    expect(new Set(ids).size).toBe(50);

    const rows = await database.query<{ id: string; request_id: string; trace_context: { traceparent: string } }>(
      'SELECT id::text, request_id, trace_context FROM tasks WHERE id = ANY($1::bigint[])',
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    ids.forEach((id, i) => {
      expect(byId.get(id)?.request_id).toBe(`group-${i}`);
      // Each task continues its own caller's trace, not that of another request in its group.
      expect(byId.get(id)?.trace_context.traceparent).toMatch(new RegExp(`^00-${traceIds[i]}-`));
    });

    // Without group commit, 50: one transaction each. With it, as many as there were writes while requests
    // kept arriving; this test's client shares the replica's event loop and sends them spread over tens
    // of ms, so that was 2 to 22 on a 2-core machine, never close to 50.
    const commits = await transactionsThatStored(ids);
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThanOrEqual(35);
  });

  it('answers a reused idempotency key with 409 amid concurrent submissions, which are stored all the same', async () => {
    const held = (
      await api.http
        .post('/tasks')
        .send(sleep({ key: 'gc-held' }))
        .expect(201)
    ).body as Task;
    const bodies = [
      ...Array.from({ length: 10 }, (_, i) => sleep({ payload: { ms: 1, i } })),
      sleep({ key: 'gc-held', payload: { ms: 2 } }), // the key, for another task: 409
      sleep({ key: 'gc-held' }), // the key, for the same task: its holder, 200
      sleep({ key: 'gc-fresh' }), // a new key: 201
      ...Array.from({ length: 10 }, (_, i) => sleep({ payload: { ms: 1, i: 10 + i } })),
    ];
    const responses = await Promise.all(bodies.map((body) => api.http.post('/tasks').send(body)));

    expect(responses.map((response) => response.status)).toEqual([
      ...Array<number>(10).fill(201),
      409,
      200,
      201,
      ...Array<number>(10).fill(201),
    ]);
    expect(responses[10].body.message).toBe(
      `idempotency key "gc-held" is already used by task ${held.id} with a different payload`,
    );
    expect(responses[10].body.task.id).toBe(held.id);
    expect(responses[11].body.id).toBe(held.id);
    const created = responses.filter((response) => response.status === 201).map((response) => response.body as Task);
    expect(created).toHaveLength(21);
    expect(await stored(created.map((task) => task.id))).toBe(21);
    expect(
      (await database.query<{ n: number }>("SELECT count(*)::int AS n FROM tasks WHERE key = 'gc-held'"))[0].n,
    ).toBe(1);
  });

  it('gives in-process submits ids that ascend with the order of the calls, across groups', async () => {
    const submits: Promise<Task>[] = [];
    for (let i = 0; i < 40; i++) {
      submits.push(taskSystem.submit({ type: 'sleep', payload: { ms: 1, i } }));
      if (i % 10 === 9) await nextTurn(); // a group goes; the next calls wait for it, together
    }
    const tasks = await Promise.all(submits);
    expect(tasks.map((task) => (task.payload as { i: number }).i)).toEqual(tasks.map((_, i) => i));
    const ids = tasks.map((task) => BigInt(task.id));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
    expect(await transactionsThatStored(tasks.map((task) => task.id))).toBeLessThan(40);
  });

  it('creates a key given twice in one group once: the first call gets it, a differing one is refused', async () => {
    const [first, again, differing] = await Promise.allSettled([
      manager.submit(sleep({ key: 'gc-twice' })),
      manager.submit(sleep({ key: 'gc-twice' })),
      manager.submit(sleep({ key: 'gc-twice', priority: 5 })),
    ]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { created: true } });
    const holder = (first as PromiseFulfilledResult<StoredTask>).value.task;
    expect(again).toEqual({ status: 'fulfilled', value: { task: holder, created: false } });
    expect(differing).toMatchObject({ status: 'rejected', reason: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('fails only the submission whose value PostgreSQL refuses: its group is written again one by one', async () => {
    // The HTTP pipe and TaskSystem refuse this priority before it gets here; it stands for any value that
    // only the database refuses, which fails the whole INSERT of its group.
    const outcomes = await Promise.allSettled([
      manager.submit(sleep({ payload: { ms: 1, n: 'before' } })),
      manager.submit(sleep({ priority: 40_000 })),
      manager.submit(sleep({ payload: { ms: 1, n: 'after' } })),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22003' }); // smallint out of range
    const ids = [outcomes[0], outcomes[2]].map(
      (outcome) => (outcome as PromiseFulfilledResult<StoredTask>).value.task.id,
    );
    expect(await stored(ids)).toBe(2);
    expect(BigInt(ids[1]) > BigInt(ids[0])).toBe(true);
  });

  it('keeps a submit inside the caller’s transaction out of any group: it lives or dies with that transaction', async () => {
    const { dataSource } = api.app.get(Database);
    let alongside: Task | undefined;
    let inside: Task | undefined;
    await expect(
      dataSource.transaction(async (transaction) => {
        [alongside, inside] = await Promise.all([
          taskSystem.submit(sleep({ payload: { ms: 1, n: 'alongside' } })),
          taskSystem.submit(sleep({ payload: { ms: 1, n: 'inside' } }), { manager: transaction }),
        ]);
        throw new Error('the caller rolls back');
      }),
    ).rejects.toThrow('the caller rolls back');
    expect(await stored([alongside!.id])).toBe(1);
    expect(await stored([inside!.id])).toBe(0);
  });
});
