import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { freePort, spawnService, startService } from './support/service-process.js';
import type { ServiceProcess } from './support/service-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * The service as a newcomer runs it: `node dist/main.js` (what `npm start` runs) in its own process,
 * with the embedded PostgreSQL when DATABASE_URL is unset, stopped by real signals.
 */
describe('the service process', () => {
  const started: ServiceProcess[] = [];
  let workDir: string;

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'tasksystem-process-'));
    // mkdtemp makes it private; as root, the embedded PostgreSQL runs as the OS user "postgres", who must enter it.
    chmodSync(workDir, 0o755);
  });

  afterAll(() => {
    for (const service of started)
      if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  });

  const track = (service: ServiceProcess): ServiceProcess => (started.push(service), service);

  /** The original TaskSystem's three curl commands, as curl sends them. */
  async function originalCurlCommands(baseUrl: string): Promise<void> {
    const created = await fetch(`${baseUrl}/tasks`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '{"name": "Jean", "number": "42"}',
    });
    expect(created.status).toBe(201);
    const task = (await created.json()) as { id: string; type: string; payload: unknown };
    expect(task).toMatchObject({ type: 'demo', payload: { name: 'Jean', number: '42' } });

    const listed = await fetch(`${baseUrl}/tasks`);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { tasks: { id: string }[] }).tasks.map((t) => t.id)).toContain(task.id);

    const stopped = await fetch(`${baseUrl}/tasks/${task.id}`, { method: 'DELETE' });
    expect(stopped.status).toBe(200);
    expect(await stopped.json()).toMatchObject({ id: task.id, status: 'cancelled' });
  }

  it('starts with the embedded PostgreSQL under .data/, answers the original curl commands, and exits 0 on SIGTERM', async () => {
    const service = track(await startService(workDir, { PORT: String(await freePort()) }));
    expect(existsSync(join(workDir, '.data', 'pg', 'PG_VERSION'))).toBe(true);
    await originalCurlCommands(service.baseUrl);
    // The original's "task result" log line: every task's end, with its id, type, status and error or result.
    await waitFor('the cancelled task to be logged', () =>
      /task 1 \(demo\) cancelled( after \d+ ms)?, attempt \d\/3( on \S+)?: stopped on request/.test(service.output()),
    );

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    // The embedded server went down with it.
    expect(existsSync(join(workDir, '.data', 'pg', 'postmaster.pid'))).toBe(false);
  });

  it('recovers its embedded PostgreSQL after kill -9, keeping the tasks, and exits 0 on SIGINT', async () => {
    const port = String(await freePort());
    const first = track(await startService(workDir, { PORT: port, WORKER_ENABLED: 'false' }));
    const created = await fetch(`${first.baseUrl}/tasks`, {
      method: 'POST',
      body: '{"type": "sleep", "payload": {"ms": 1}}',
    });
    const { id } = (await created.json()) as { id: string };
    first.child.kill('SIGKILL');
    await first.exited;

    const second = track(await startService(workDir, { PORT: port }));
    const task = await waitFor('the kept task to run', async () => {
      const body = (await (await fetch(`${second.baseUrl}/tasks/${id}`)).json()) as { status: string };
      return body.status === 'succeeded' ? body : undefined;
    });
    expect(task).toMatchObject({ status: 'succeeded', result: { slept: 1 } });
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  describe('with DATABASE_URL', () => {
    let database: TestDatabase;

    beforeAll(async () => {
      database = await createTestDatabase();
    });

    afterAll(async () => {
      await database?.drop();
    });

    it('uses that server, starts no embedded one, and logs JSON lines with LOG_FORMAT=json', async () => {
      const serverDir = mkdtempSync(join(tmpdir(), 'tasksystem-server-'));
      chmodSync(serverDir, 0o755);
      try {
        const service = track(
          await startService(serverDir, {
            PORT: String(await freePort()),
            DATABASE_URL: database.url,
            LOG_FORMAT: 'json',
          }),
        );
        await originalCurlCommands(service.baseUrl);
        expect((await database.query('SELECT count(*)::int AS n FROM tasks'))[0]).toEqual({ n: 1 });
        expect(existsSync(join(serverDir, '.data'))).toBe(false);
        await waitFor('the stopped task to be logged', () => /task 1 \(demo\) cancelled/.test(service.output()));
        const lines = service.output().trim().split('\n');
        const entries = lines.map((line) => JSON.parse(line) as { level: number; context?: string; msg: string });
        expect(entries).toContainEqual(
          expect.objectContaining({ context: 'Main', msg: expect.stringMatching(/^TaskSystem listening/) as unknown }),
        );
        expect(entries.some((entry) => /^task 1 \(demo\) cancelled/.test(entry.msg))).toBe(true);
        service.child.kill('SIGTERM');
        expect(await service.exited).toBe(0);
      } finally {
        rmSync(serverDir, { recursive: true, force: true });
      }
    });
  });

  it('refuses to start with bad configuration, naming every bad variable', async () => {
    const service = track(spawnService(workDir, { PORT: 'abc', WORKER_CONCURRENCY: '0', WORKER_ENABLED: 'yes' }));
    expect(await service.exited).toBe(1);
    const output = service.output();
    expect(output).toMatch(/PORT must be an integer from 0 to 65,535/);
    expect(output).toMatch(/WORKER_CONCURRENCY must be an integer from 1 to 1,000/);
    expect(output).toMatch(/WORKER_ENABLED must be true or false/);
  });
});
