import { trace } from '@opentelemetry/api';
import type { Task } from '../src/task-store/task.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

/**
 * Tracing off, as in a replica without OTEL_* (no SDK loaded) or an application without an OpenTelemetry
 * SDK of its own: nothing is stored with a task, even for a request that carries a traceparent.
 */
describe('traces, with no tracer provider registered', () => {
  let database: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startTestApp(database.url);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('stores no trace context, and the task runs as ever', async () => {
    expect(trace.getTracerProvider().getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    const { body } = await app.http
      .post('/tasks')
      .set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
      .send({ type: 'sleep', payload: { ms: 1 } })
      .expect(201);
    const { id } = body as Task;
    await app.waitForStatus(id, 'succeeded');
    expect(await database.query('SELECT trace_context FROM tasks WHERE id = $1', [id])).toEqual([
      { trace_context: null },
    ]);
  });
});
