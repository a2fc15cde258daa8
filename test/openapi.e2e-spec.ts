import { readFile } from 'node:fs/promises';
import { Injectable, Module } from '@nestjs/common';
import { TaskHandler } from '../src/task-types/task-handler.js';
import type { TaskContext, TaskHandler as Handler } from '../src/task-types/task-handler.js';
import { baseUrl } from './support/event-stream.js';
import { OPENAPI_DOCUMENT_FILE, OpenApiResponseValidator } from './support/openapi-responses.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/** Holds each `gated` task running until the test opens its gate; it ignores its AbortSignal meanwhile. */
const gates = new Map<string, () => void>();

/** Reports progress, then waits for its gate: a running task with `progress`, and a stop that must wait (202). */
@Injectable()
@TaskHandler({ type: 'gated' })
class GatedHandler implements Handler {
  async run(_payload: unknown, { task, reportProgress }: TaskContext): Promise<{ released: true }> {
    reportProgress(40, 'halfway');
    await new Promise<void>((open) => gates.set(task.id, open));
    return { released: true };
  }
}

@Module({ providers: [GatedHandler] })
class GatedHandlerModule {}

const API_KEY = 'openapi-test-key-0123456789';

/**
 * The OpenAPI document tells the truth: the app serves the checked-in openapi.json, and real responses of
 * every route, in every status a client can provoke here, match it (test/support/openapi-responses.ts).
 * Not provoked: 429 (the rate limit cannot load in Jest, see test-app.ts), 503 (the database down, covered
 * by faults.e2e-spec.ts) and 409 of a schedule declared in code.
 */
describe('the OpenAPI document', () => {
  const validator = new OpenApiResponseValidator();
  let database: TestDatabase;
  let api: TestApp;
  let locked: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    [api, locked] = await Promise.all([
      startTestApp(database.url, { WORKER_CONCURRENCY: '2', PAYLOAD_LIMIT_BYTES: '1024' }, [GatedHandlerModule]),
      startTestApp(database.url, { WORKER_ENABLED: 'false', API_KEYS: API_KEY }),
    ]);
  });

  afterAll(async () => {
    for (const open of gates.values()) open();
    await Promise.all([api?.close(), locked?.close()]);
    await database?.drop();
  });

  /** One request as any HTTP client sends it, its response checked against the document; the body as JSON.parse gives it. */
  async function call(
    method: string,
    path: string,
    {
      body,
      raw,
      app = api,
      headers = {},
    }: { body?: unknown; raw?: string; app?: TestApp; headers?: Record<string, string> } = {},
  ) {
    const sent = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const response = await validator.fetch()(`${baseUrl(app.app)}${path}`, {
      method,
      headers: { ...(sent === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: sent,
    });
    const text = await response.text();
    return {
      status: response.status,
      body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
    };
  }

  const submit = async (task: object): Promise<string> => {
    const { status, body } = await call('POST', '/tasks', { body: task });
    expect(status).toBe(201);
    return body.id as string;
  };

  it('is the document the app serves at /docs-json', async () => {
    const served: unknown = await (await fetch(`${baseUrl(api.app)}/docs-json`)).json();
    expect(served).toEqual(JSON.parse(await readFile(OPENAPI_DOCUMENT_FILE, 'utf8')));
    expect(served).toMatchObject({ openapi: '3.1.0' });
  });

  describe('tasks', () => {
    it('submits canonical and shorthand bodies, and answers an idempotent repeat with 200', async () => {
      const canonical = await call('POST', '/tasks', {
        body: { type: 'sleep', payload: { ms: 1 }, priority: 5, runAt: '2099-01-01T00:00:00Z', key: 'openapi-1' },
      });
      expect(canonical).toMatchObject({ status: 201, body: { type: 'sleep', status: 'queued', key: 'openapi-1' } });
      const shorthand = await call('POST', '/tasks', { raw: '{"name": "Jean", "number": "42"}' });
      expect(shorthand).toMatchObject({ status: 201, body: { type: 'demo', payload: { name: 'Jean', number: '42' } } });
      const repeat = await call('POST', '/tasks', {
        body: { type: 'sleep', payload: { ms: 1 }, priority: 5, runAt: '2099-01-01T00:00:00Z', key: 'openapi-1' },
      });
      expect(repeat).toMatchObject({ status: 200, body: { id: canonical.body.id } });
    });

    it('refuses bad submissions: 400, 409 with the task, 413', async () => {
      expect(await call('POST', '/tasks', { raw: '{"name": ' })).toMatchObject({ status: 400 });
      const unknownType = await call('POST', '/tasks', { body: { type: 'nope' } });
      expect(unknownType).toMatchObject({ status: 400, body: { message: expect.stringContaining('known types') } });
      const reused = await call('POST', '/tasks', { body: { type: 'sleep', payload: { ms: 2 }, key: 'openapi-1' } });
      expect(reused).toMatchObject({ status: 409, body: { task: { key: 'openapi-1' } } });
      const tooLarge = await call('POST', '/tasks', { body: { type: 'demo', payload: { text: 'x'.repeat(2048) } } });
      expect(tooLarge.status).toBe(413);
    });

    it('submits a batch, and refuses a bad or too large one', async () => {
      const batch = await call('POST', '/tasks/batch', {
        body: {
          tasks: [
            { type: 'demo', runAt: '2099-01-01T00:00:00Z' },
            { type: 'sleep', payload: { ms: 1 } },
          ],
        },
      });
      expect(batch).toMatchObject({ status: 201, body: { tasks: [{ type: 'demo' }, { type: 'sleep' }] } });
      const badItem = await call('POST', '/tasks/batch', { body: { tasks: [{ type: 'demo' }, { priority: 1000 }] } });
      expect(badItem).toMatchObject({ status: 400, body: { message: [expect.stringMatching(/^tasks\[1\]/)] } });
      const reused = await call('POST', '/tasks/batch', { body: { tasks: [{ type: 'demo', key: 'openapi-1' }] } });
      expect(reused.status).toBe(409);
      const tooLarge = await call('POST', '/tasks/batch', { body: { tasks: [{ payload: 'x'.repeat(2048) }] } });
      expect(tooLarge.status).toBe(413);
    });

    it('shows a task in every status, with result, error and progress', async () => {
      const succeeded = await submit({ type: 'sleep', payload: { ms: 0 } });
      const failed = await submit({ type: 'fail', payload: { times: 5, message: 'boom' }, maxAttempts: 1 });
      const running = await submit({ type: 'gated' });
      await api.waitForStatus(succeeded, 'succeeded');
      await api.waitForStatus(failed, 'failed');
      expect(await call('GET', `/tasks/${succeeded}`)).toMatchObject({ status: 200, body: { result: { slept: 0 } } });
      expect(await call('GET', `/tasks/${failed}`)).toMatchObject({
        status: 200,
        body: { status: 'failed', error: { message: 'boom', name: 'Error' } },
      });
      const withProgress = await waitFor('the gated task to report its progress', async () => {
        const read = await call('GET', `/tasks/${running}`);
        return read.body.progress ? read : undefined;
      });
      expect(withProgress.body).toMatchObject({ status: 'running', progress: { percent: 40, message: 'halfway' } });

      const stopping = await call('DELETE', `/tasks/${running}?wait=0`);
      expect(stopping).toMatchObject({
        status: 202,
        body: { status: 'running', cancelRequestedAt: expect.any(String) },
      });
      gates.get(running)?.();
      await api.waitForStatus(running, 'cancelled');
      expect(await call('DELETE', `/tasks/${running}`)).toMatchObject({
        status: 409,
        body: { task: { id: running, status: 'cancelled' } },
      });

      const queued = await submit({ type: 'demo', runAt: '2099-01-01T00:00:00Z' });
      expect(await call('DELETE', `/tasks/${queued}`)).toMatchObject({ status: 200, body: { status: 'cancelled' } });

      const attempts = await call('GET', `/tasks/${failed}/attempts`);
      expect(attempts).toMatchObject({ status: 200, body: { attempts: [{ attempt: 1, status: 'failed' }] } });
      expect(await call('POST', `/tasks/${failed}/retry`)).toMatchObject({ status: 200, body: { status: 'queued' } });
      expect(await call('POST', `/tasks/${succeeded}/retry`)).toMatchObject({
        status: 409,
        body: { task: { id: succeeded } },
      });
    });

    it('answers 404 for an unknown task and 400 for a malformed id or query', async () => {
      for (const [method, path] of [
        ['GET', '/tasks/999999999'],
        ['DELETE', '/tasks/999999999'],
        ['POST', '/tasks/999999999/retry'],
        ['GET', '/tasks/999999999/attempts'],
      ]) {
        expect(await call(method, path)).toMatchObject({ status: 404, body: { statusCode: 404 } });
      }
      for (const [method, path] of [
        ['GET', '/tasks/abc'],
        ['DELETE', '/tasks/abc'],
        ['POST', '/tasks/abc/retry'],
        ['GET', '/tasks/abc/attempts'],
        ['DELETE', '/tasks/1?wait=-1'],
        ['GET', '/tasks?limit=0'],
      ]) {
        expect(await call(method, path)).toMatchObject({ status: 400, body: { statusCode: 400 } });
      }
    });

    it('lists tasks, filtered by comma-separated statuses, with counts and types', async () => {
      const page = await call('GET', '/tasks?status=queued,cancelled&limit=2');
      expect(page).toMatchObject({ status: 200, body: { tasks: expect.any(Array), nextCursor: expect.any(String) } });
      for (const task of page.body.tasks) expect(['queued', 'cancelled']).toContain(task.status);
      expect(await call('GET', `/tasks?cursor=${page.body.nextCursor}`)).toMatchObject({ status: 200 });
      expect(await call('GET', '/tasks/counts')).toMatchObject({
        status: 200,
        body: { cancelled: expect.any(Number) },
      });
      const types = await call('GET', '/tasks/types');
      expect(types.body.map((type: { type: string }) => type.type)).toEqual(expect.arrayContaining(['demo', 'gated']));
    });

    it('opens the event stream as text/event-stream', async () => {
      const response = await validator.fetch()(`${baseUrl(api.app)}/tasks/events`);
      expect(response.status).toBe(200);
      await response.body?.cancel();
    });
  });

  describe('queues', () => {
    it('lists, pauses, resumes and limits queues; 400 for a bad name or limit', async () => {
      expect(await call('GET', '/queues')).toMatchObject({ status: 200, body: { queues: expect.any(Array) } });
      expect(await call('POST', '/queues/reports/pause')).toMatchObject({ status: 200, body: { paused: true } });
      expect(await call('POST', '/queues/reports/resume')).toMatchObject({ status: 200, body: { paused: false } });
      expect(await call('PUT', '/queues/reports', { body: { concurrency: 2 } })).toMatchObject({
        status: 200,
        body: { name: 'reports', concurrency: 2 },
      });
      expect(await call('PUT', '/queues/reports', { body: { concurrency: 0 } })).toMatchObject({ status: 400 });
      expect(await call('POST', '/queues/Not%20A%20Name/pause')).toMatchObject({ status: 400 });
      expect(await call('POST', '/queues/Not%20A%20Name/resume')).toMatchObject({ status: 400 });
    });
  });

  describe('workers', () => {
    it('lists the replicas that run tasks', async () => {
      // The worker registers as it starts: its row may land just after the app answers.
      const listed = await waitFor('the worker to be listed', async () => {
        const answer = await call('GET', '/workers');
        return answer.body.workers?.length > 0 ? answer : undefined;
      });
      expect(listed).toMatchObject({ status: 200, body: { workers: [{ id: api.config.replicaId, gone: false }] } });
    });
  });

  describe('schedules', () => {
    it('creates, lists, reads, changes and deletes a schedule, with its errors', async () => {
      const definition = { name: 'openapi-nightly', cron: '0 3 * * *', task: { type: 'sleep', payload: { ms: 1 } } };
      expect(await call('POST', '/schedules', { body: definition })).toMatchObject({
        status: 201,
        body: { name: 'openapi-nightly', nextRunAt: expect.any(String), lastRunAt: null },
      });
      expect(await call('POST', '/schedules', { body: definition })).toMatchObject({ status: 409 });
      expect(await call('POST', '/schedules', { body: { ...definition, name: 'other', cron: 'often' } })).toMatchObject(
        {
          status: 400,
        },
      );
      expect(
        await call('POST', '/schedules', { body: { ...definition, name: 'big', task: { payload: 'x'.repeat(2048) } } }),
      ).toMatchObject({ status: 413 });
      expect(await call('GET', '/schedules')).toMatchObject({
        status: 200,
        body: { schedules: [{ name: 'openapi-nightly' }] },
      });
      expect(await call('GET', '/schedules/openapi-nightly')).toMatchObject({ status: 200 });
      expect(await call('PATCH', '/schedules/openapi-nightly', { body: { paused: true } })).toMatchObject({
        status: 200,
        body: { paused: true, nextRunAt: null },
      });
      expect(await call('PATCH', '/schedules/openapi-nightly', { body: { colour: 'red' } })).toMatchObject({
        status: 400,
      });
      expect(await call('DELETE', '/schedules/openapi-nightly')).toMatchObject({ status: 200 });
      for (const [method, path] of [
        ['GET', '/schedules/openapi-nightly'],
        ['PATCH', '/schedules/openapi-nightly'],
        ['DELETE', '/schedules/openapi-nightly'],
      ]) {
        expect(await call(method, path, method === 'PATCH' ? { body: { paused: false } } : {})).toMatchObject({
          status: 404,
        });
      }
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        expect(await call(method, '/schedules/Bad%20Name', method === 'PATCH' ? { body: {} } : {})).toMatchObject({
          status: 400,
        });
      }
    });
  });

  describe('health, metrics and API keys', () => {
    it('answers the health checks and the metrics', async () => {
      for (const path of ['/health', '/health/live', '/health/ready']) {
        expect(await call('GET', path)).toMatchObject({ status: 200, body: { status: 'ok' } });
      }
      expect(await call('GET', '/metrics')).toMatchObject({ status: 200, body: expect.stringContaining('# HELP') });
    });

    it('answers 401 without a valid key, on every guarded route', async () => {
      for (const [method, path] of validator.operations.map((operation) => operation.split(' '))) {
        if (path.startsWith('/health')) continue;
        const concrete = path.replace('{id}', '1').replace('{name}', 'reports');
        expect(await call(method, concrete, { app: locked })).toMatchObject({ status: 401 });
      }
      const authorised = await call('GET', '/tasks', { app: locked, headers: { Authorization: `Bearer ${API_KEY}` } });
      expect(authorised.status).toBe(200);
    });
  });

  // Runs last (Jest runs a file's tests in order): what the tests above made the app answer.
  it('has had a real response of every documented operation and success status checked', () => {
    const successes = validator.responses.filter((response) => / 2\d\d$/.test(response));
    expect(successes.filter((response) => !validator.seen.has(response))).toEqual([]);
    const errorStatuses = new Set([...validator.seen].map((seen) => seen.split(' ')[2]).filter((s) => s >= '400'));
    expect([...errorStatuses].sort()).toEqual(['400', '401', '404', '409', '413']);
  });
});
