import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startService } from './support/service-process.js';
import type { ServiceProcess } from './support/service-process.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

const KEY = 'request-log-key-0123456789';
const OTHER_KEY = 'request-log-other-key-0123456789';
/** How an operator names a key without writing it down: the start of its SHA-256 (docs/deploy.md). */
const keyIdOf = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 8);

interface LogEntry {
  level: number;
  msg?: string;
  reqId?: string;
  [field: string]: unknown;
}

/**
 * What an operator reads from a replica's standard output: one line per request (method, route pattern,
 * status, duration, request id, key id), and the request id on every line the request causes, down to
 * the log lines of the tasks it submitted, whichever replica runs them. Checked on `node dist/main.js`
 * itself, as deployed (LOG_FORMAT=json), and on its text output for a terminal.
 */
describe('request logs', () => {
  let database: TestDatabase;
  let workDir: string;
  let service: ServiceProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    workDir = mkdtempSync(join(tmpdir(), 'tasksystem-request-logs-'));
    chmodSync(workDir, 0o755);
    service = await startService(workDir, {
      PORT: String(await freePort()),
      DATABASE_URL: database.url,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      API_KEYS: `${KEY},${OTHER_KEY}`,
      POLL_INTERVAL_MS: '100',
      RETRY_BASE_MS: '60000',
      RETRY_MAX_MS: '60000',
    });
  });

  afterAll(async () => {
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    rmSync(workDir, { recursive: true, force: true });
    await database?.drop();
  });

  const entries = (): LogEntry[] =>
    service
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LogEntry);

  const send = (
    method: string,
    path: string,
    { requestId, key, body }: { requestId: string; key?: string; body?: unknown },
  ): Promise<Response> =>
    fetch(`${service.baseUrl}${path}`, {
      method,
      headers: { 'X-Request-Id': requestId, ...(key ? { Authorization: `Bearer ${key}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const submit = async (requestId: string, body: unknown): Promise<string> => {
    const response = await send('POST', '/tasks', { requestId, key: KEY, body });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };

  /** The request's own line: the one pino-http writes when the response ends. */
  const requestLine = (requestId: string): Promise<LogEntry> =>
    waitFor(`the request line of ${requestId}`, () =>
      entries().find((entry) => entry.reqId === requestId && entry.route !== undefined && 'status' in entry),
    );

  const lineAbout = (description: string, pattern: RegExp): Promise<LogEntry> =>
    waitFor(description, () => entries().find((entry) => pattern.test(entry.msg ?? '')));

  it('logs each request once: method, route pattern, status, duration, request id and key id, never the key', async () => {
    const id = await submit('submit-a', { type: 'sleep', payload: { ms: 1 } });
    expect((await send('GET', `/tasks/${id}`, { requestId: 'read-a', key: OTHER_KEY })).status).toBe(200);
    expect((await send('GET', `/tasks/${id}`, { requestId: 'no-key-a' })).status).toBe(401);
    expect((await send('GET', '/nowhere', { requestId: 'unknown-a', key: KEY })).status).toBe(404);

    expect(await requestLine('submit-a')).toMatchObject({
      level: 30,
      method: 'POST',
      route: '/tasks',
      status: 201,
      keyId: keyIdOf(KEY),
    });
    const read = await requestLine('read-a');
    expect(read).toMatchObject({
      level: 30,
      method: 'GET',
      route: '/tasks/:id',
      status: 200,
      keyId: keyIdOf(OTHER_KEY),
    });
    expect(read.durationMs).toEqual(expect.any(Number));
    const refused = await requestLine('no-key-a');
    expect(refused).toMatchObject({ method: 'GET', route: '/tasks/:id', status: 401 });
    expect(refused).not.toHaveProperty('keyId');
    // A path no route matches has no pattern: it is logged as unmatched, not as what the client sent.
    expect(await requestLine('unknown-a')).toMatchObject({ method: 'GET', route: null, status: 404 });

    const output = service.output();
    expect(output).not.toContain(KEY);
    expect(output).not.toContain(OTHER_KEY);
    expect(output).not.toMatch(/authorization|bearer/i);
    expect(output).not.toContain(`/tasks/${id}`);
  });

  it('logs health checks and scrapes at debug only, so probes every few seconds do not flood the log', async () => {
    expect((await send('GET', '/health/ready', { requestId: 'probe-b' })).status).toBe(200);
    expect((await send('GET', '/metrics', { requestId: 'scrape-b', key: KEY })).status).toBe(200);
    expect((await send('GET', '/tasks/counts', { requestId: 'after-b', key: KEY })).status).toBe(200);
    await requestLine('after-b'); // lines are written in order: the probe's would be there by now
    expect(entries().filter((entry) => entry.reqId === 'probe-b' || entry.reqId === 'scrape-b')).toEqual([]);
  });

  it("carries the request id into the lines its handler's services log", async () => {
    const id = await submit('submit-c', { type: 'fail', payload: { times: 9 }, maxAttempts: 1 });
    await lineAbout('the task to fail', new RegExp(`^task ${id} \\(fail\\) failed`));
    expect((await send('POST', `/tasks/${id}/retry`, { requestId: 'retry-c', key: KEY })).status).toBe(200);
    expect(await lineAbout('the retry', new RegExp(`^task ${id} \\(fail\\) put back in the queue`))).toMatchObject({
      reqId: 'retry-c',
      context: 'TaskManagerService',
    });
  });

  it("carries the submitting request's id into the task's own lines: started, ended, stopped", async () => {
    const quick = await submit('submit-d1', { type: 'sleep', payload: { ms: 1 } });
    expect(await lineAbout('the start', new RegExp(`^task ${quick} \\(sleep\\) started`))).toMatchObject({
      reqId: 'submit-d1',
    });
    expect(await lineAbout('the end', new RegExp(`^task ${quick} \\(sleep\\) succeeded`))).toMatchObject({
      reqId: 'submit-d1',
    });

    // Stopped while running: the DELETE's own line names the DELETE; the task's lines name its submitter.
    const long = await submit('submit-d2', { type: 'sleep', payload: { ms: 60_000 } });
    await lineAbout('the long task to start', new RegExp(`^task ${long} \\(sleep\\) started`));
    expect((await send('DELETE', `/tasks/${long}`, { requestId: 'stop-d2', key: KEY })).status).toBe(200);
    expect(await lineAbout('the abort', new RegExp(`^task ${long}: aborting`))).toMatchObject({ reqId: 'submit-d2' });
    expect(await lineAbout('the cancel', new RegExp(`^task ${long} \\(sleep\\) cancelled`))).toMatchObject({
      reqId: 'submit-d2',
    });
    expect(await requestLine('stop-d2')).toMatchObject({ method: 'DELETE', route: '/tasks/:id', status: 200 });

    // Stopped before it started: logged by the replica that served the DELETE, still under the submitter's id.
    const later = await submit('submit-d3', { type: 'sleep', payload: { ms: 1 }, runAt: '2999-01-01T00:00:00Z' });
    expect((await send('DELETE', `/tasks/${later}`, { requestId: 'stop-d3', key: KEY })).status).toBe(200);
    expect(await lineAbout('the early cancel', new RegExp(`^task ${later} \\(sleep\\) cancelled`))).toMatchObject({
      reqId: 'submit-d3',
    });
  });

  it("names the submitting request when a dead replica's task is taken back", async () => {
    // As a replica killed mid-task leaves it: running, its lease run out (written by SQL: no need to kill one).
    const [{ id }] = await database.query<{ id: string }>(`
      INSERT INTO tasks (type, payload, status, attempt, worker_id, started_at, lease_expires_at, request_id)
      VALUES ('sleep', '{"ms": 1}', 'running', 1, 'gone/1', now() - interval '1 minute', now() - interval '1 second', 'submit-f')
      RETURNING id`);
    expect(
      await lineAbout('the recovery', new RegExp(`^task ${id} \\(sleep\\): lease of gone/1 expired`)),
    ).toMatchObject({
      reqId: 'submit-f',
    });
    expect(await lineAbout('the rerun', new RegExp(`^task ${id} \\(sleep\\) succeeded`))).toMatchObject({
      reqId: 'submit-f',
    });
  });

  it('writes the same request line as readable text with LOG_FORMAT=text', async () => {
    const textDir = mkdtempSync(join(tmpdir(), 'tasksystem-request-logs-text-'));
    chmodSync(textDir, 0o755);
    const text = await startService(textDir, {
      PORT: String(await freePort()),
      DATABASE_URL: database.url,
      LOG_FORMAT: 'text',
      LOG_LEVEL: 'info',
      API_KEYS: KEY,
      WORKER_ENABLED: 'false',
      NO_COLOR: '1',
    });
    try {
      const response = await fetch(`${text.baseUrl}/tasks/counts`, {
        headers: { 'X-Request-Id': 'text-e', Authorization: `Bearer ${KEY}` },
      });
      expect(response.status).toBe(200);
      const line = await waitFor('the text request line', () =>
        text
          .output()
          .split('\n')
          .find((candidate) => candidate.includes('reqId=text-e')),
      );
      expect(line).toMatch(
        new RegExp(`LOG \\[HTTP\\] GET /tasks/counts 200 \\d+ ms key=${keyIdOf(KEY)} reqId=text-e$`),
      );
      expect(text.output()).not.toContain(KEY);
    } finally {
      text.child.kill('SIGTERM');
      await text.exited;
      rmSync(textDir, { recursive: true, force: true });
    }
  });
});
