import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Task } from '../src/task-store/task.js';
import { TaskSystem } from '../src/tasks/task-system.js';
import { parentOf, startInMemoryTracing } from './support/in-memory-tracing.js';
import type { InMemoryTracing } from './support/in-memory-tracing.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/** A caller's span, as another service would send it in a W3C `traceparent` header. */
function callerSpan(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** One line per span, children indented under their parent: what the report quotes. */
function render(spans: ReadableSpan[]): string {
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number): void => {
    for (const span of spans.filter((s) => (ids.has(parentOf(s) ?? '') ? parentOf(s) : undefined) === parent)) {
      const { spanId } = span.spanContext();
      const replica = span.attributes['messaging.client.id'];
      const events = span.events.map((event) => event.name).join(',');
      lines.push(
        `${'  '.repeat(depth)}${span.name}  span=${spanId} parent=${parentOf(span) ?? '-'} replica=${typeof replica === 'string' ? replica : '-'}${events ? ` events=${events}` : ''}`,
      );
      walk(spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return `trace ${spans[0]?.spanContext().traceId}\n${lines.join('\n')}`;
}

/**
 * OpenTelemetry traces, with two replicas sharing one database and one in-memory exporter: `api` serves
 * HTTP only, `worker` runs the tasks. A task's trace starts (or continues the caller's) at the POST on
 * one and goes on in the attempt's spans on the other, through the trace context stored with the task.
 */
describe('traces', () => {
  let tracing: InMemoryTracing;
  let database: TestDatabase;
  let api: TestApp;
  let worker: TestApp;

  beforeAll(async () => {
    tracing = startInMemoryTracing();
    database = await createTestDatabase();
    api = await startTestApp(database.url, { WORKER_ENABLED: 'false', REPLICA_ID: 'api-1' });
    worker = await startTestApp(database.url, { REPLICA_ID: 'worker-1', WORKER_CONCURRENCY: '2' });
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await database?.drop();
    await tracing?.stop();
  });

  /** The task's trace once `count` attempt spans of it have ended (the last one ends after its outcome is written). */
  const traceOf = (traceId: string, count = 1): Promise<ReadableSpan[]> =>
    waitFor(`${count} attempt span(s) in trace ${traceId}`, () => {
      const spans = tracing.spansOf(traceId);
      return spans.filter((span) => span.name.startsWith('process ')).length >= count && spans;
    });

  const only = (spans: ReadableSpan[], name: string): ReadableSpan => {
    const named = spans.filter((span) => span.name === name);
    expect(named.map((span) => span.name)).toEqual([name]);
    return named[0];
  };

  const storedTraceContext = async (id: string): Promise<unknown> =>
    (await database.query<{ trace_context: unknown }>('SELECT trace_context FROM tasks WHERE id = $1', [id]))[0]
      .trace_context;

  it("continues the caller's traceparent from the POST on one replica into the attempt on another", async () => {
    const caller = callerSpan();
    const { body: task } = await api.http
      .post('/tasks')
      .set('traceparent', caller.traceparent)
      .send({ type: 'sleep', payload: { ms: 1 } })
      .expect(201);
    await api.waitForStatus((task as Task).id, 'succeeded');
    const spans = await traceOf(caller.traceId);
    process.stdout.write(`one task across two replicas:\n${render(spans)}\n`);

    const submit = only(spans, 'submit default');
    expect(submit.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(submit)).toBe(caller.spanId);
    expect(submit.attributes).toMatchObject({
      'messaging.system': 'tasksystem',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'default',
      'messaging.message.id': (task as Task).id,
      'messaging.client.id': 'api-1',
    });
    expect(await storedTraceContext((task as Task).id)).toEqual({
      traceparent: `00-${caller.traceId}-${submit.spanContext().spanId}-01`,
    });

    const attempt = only(spans, 'process default');
    expect(attempt.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(attempt)).toBe(submit.spanContext().spanId);
    expect(attempt.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.message.id': (task as Task).id,
      'messaging.destination.name': 'default',
      'tasksystem.task.type': 'sleep',
      'tasksystem.task.attempt': 1,
      'tasksystem.task.status': 'succeeded',
    });
    expect(attempt.attributes['messaging.client.id']).toMatch(/^worker-1\/\d+$/);
    for (const name of ['claim default', 'run sleep', 'write outcome']) {
      expect(parentOf(only(spans, name))).toBe(attempt.spanContext().spanId);
    }
  });

  it('traces a batch in one submit span that every task of it continues', async () => {
    const caller = callerSpan();
    const { body } = await api.http
      .post('/tasks/batch')
      .set('traceparent', caller.traceparent)
      .send({
        tasks: [
          { type: 'sleep', payload: { ms: 1 } },
          { type: 'sleep', payload: { ms: 1 } },
        ],
      })
      .expect(201);
    const ids = (body as { tasks: Task[] }).tasks.map((task) => task.id);
    for (const id of ids) await api.waitForStatus(id, 'succeeded');
    const spans = await traceOf(caller.traceId, 2);

    const submit = only(spans, 'submit default');
    expect(submit.attributes['messaging.batch.message_count']).toBe(2);
    const attempts = spans.filter((span) => span.name === 'process default');
    expect(attempts.map((span) => span.attributes['messaging.message.id']).sort()).toEqual([...ids].sort());
    for (const attempt of attempts) expect(parentOf(attempt)).toBe(submit.spanContext().spanId);
  });

  it("makes the in-process client's submit a child of the application's active span", async () => {
    const tasks = api.app.get(TaskSystem);
    const { task, traceId, spanId } = await trace.getTracer('app').startActiveSpan('app work', async (span) => {
      const submitted = await tasks.submit({ type: 'sleep', payload: { ms: 1 } });
      span.end();
      return { task: submitted, ...span.spanContext() };
    });
    await api.waitForStatus(task.id, 'succeeded');
    const spans = await traceOf(traceId);
    expect(parentOf(only(spans, 'submit default'))).toBe(spanId);
  });

  it("starts a scheduled task's trace at the replica that fired the schedule", async () => {
    await api.http
      .post('/schedules')
      .send({ name: 'traced', cron: '* * * * * *', task: { type: 'sleep', payload: { ms: 1 } }, overlap: 'allow' })
      .expect(201);
    const [{ id, trace_context: stored }] = await waitFor('a task of the schedule', async () => {
      const rows = await database.query<{ id: string; trace_context: { traceparent: string } }>(
        "SELECT id, trace_context FROM tasks WHERE key LIKE 'schedule:traced:%' ORDER BY id LIMIT 1",
      );
      return rows.length > 0 && rows;
    });
    await api.http.delete('/schedules/traced').expect(200);
    const [, traceId, submitSpanId] = stored.traceparent.split('-');
    const spans = await traceOf(traceId);

    const submit = spans.find((span) => span.spanContext().spanId === submitSpanId) as ReadableSpan;
    expect(submit.name).toBe('submit default');
    expect(parentOf(submit)).toBeUndefined(); // a periodic job has no caller: the trace starts here
    const attempt = only(spans, 'process default');
    expect(attempt.attributes['messaging.message.id']).toBe(id);
    expect(parentOf(attempt)).toBe(submitSpanId);
  });

  it("gives the running attempt's span a stop event, and the stop request a span linked to the task's trace", async () => {
    const { body: task } = await api.http
      .post('/tasks')
      .send({ type: 'sleep', payload: { ms: 600_000 } })
      .expect(201);
    const { id } = task as Task;
    await api.waitForStatus(id, 'running');
    const stopper = callerSpan();
    const { body: stopped } = await api.http.delete(`/tasks/${id}`).set('traceparent', stopper.traceparent).expect(200);
    expect((stopped as Task).status).toBe('cancelled');
    expect(stopped).not.toHaveProperty('traceContext');

    const { traceparent } = (await storedTraceContext(id)) as { traceparent: string };
    const [, taskTraceId, submitSpanId] = traceparent.split('-');
    const spans = await traceOf(taskTraceId);
    const attempt = only(spans, 'process default');
    expect(attempt.attributes['tasksystem.task.status']).toBe('cancelled');
    expect(attempt.events.map(({ name, attributes }) => ({ name, attributes }))).toEqual([
      {
        name: 'tasksystem.abort',
        attributes: { 'tasksystem.abort.kind': 'stop', 'tasksystem.abort.reason': 'stopped on request' },
      },
    ]);

    // Its handler ended because it was told to: no error there.
    expect(only(spans, 'run sleep').events).toEqual([]);

    const stop = only(tracing.spansOf(stopper.traceId), 'stop default');
    expect(parentOf(stop)).toBe(stopper.spanId);
    expect(stop.links.map((link) => link.context)).toEqual([
      expect.objectContaining({ traceId: taskTraceId, spanId: submitSpanId }),
    ]);
    expect(stop.attributes).toMatchObject({ 'messaging.message.id': id, 'tasksystem.task.status': 'cancelled' });
  });

  it('has one attempt span per attempt of a retried task, in the same trace, each failure recorded', async () => {
    const caller = callerSpan();
    const { body: task } = await api.http
      .post('/tasks')
      .set('traceparent', caller.traceparent)
      .send({ type: 'fail', payload: { times: 2 }, maxAttempts: 3 })
      .expect(201);
    await api.waitForStatus((task as Task).id, 'succeeded');
    const spans = await traceOf(caller.traceId, 3);
    const submit = only(spans, 'submit default');
    const attempts = spans
      .filter((span) => span.name === 'process default')
      .sort(
        (a, b) => Number(a.attributes['tasksystem.task.attempt']) - Number(b.attributes['tasksystem.task.attempt']),
      );

    expect(attempts.map((span) => span.attributes['tasksystem.task.attempt'])).toEqual([1, 2, 3]);
    expect(attempts.map((span) => span.attributes['tasksystem.task.status'])).toEqual([
      'queued',
      'queued',
      'succeeded',
    ]);
    for (const attempt of attempts) expect(parentOf(attempt)).toBe(submit.spanContext().spanId);
    for (const failed of attempts.slice(0, 2)) {
      expect(failed.status.code).toBe(SpanStatusCode.ERROR);
      expect(failed.status.message).toMatch(/failing on purpose/);
      expect(failed.events.map((event) => event.name)).toEqual(['tasksystem.retry']);
      const run = spans.find(
        (span) => span.name === 'run fail' && parentOf(span) === failed.spanContext().spanId,
      ) as ReadableSpan;
      expect(run.events.map((event) => event.name)).toEqual(['exception']);
    }
    expect(attempts[2].status.code).toBe(SpanStatusCode.UNSET);
  });
});
