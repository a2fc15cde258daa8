import { Injectable, Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { TaskSystem, TaskSystemModule } from '../src/index.js';
import { startPgBouncer } from '../src/dev/pgbouncer/pgbouncer.js';
import type { PgBouncer } from '../src/dev/pgbouncer/pgbouncer.js';
import type { Task } from '../src/task-store/task.js';
import { TaskHandler } from '../src/task-types/task-handler.js';
import type { TaskContext } from '../src/task-types/task-handler.js';
import { ProbeEvents, ProbeHandlersModule } from './support/probe-handlers.js';
import { createTestDatabase, serverUrl } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';

/**
 * Two replicas whose pool goes through a real PgBouncer in transaction mode (`npm run test:pgbouncer`; not
 * part of `npm test`, PgBouncer comes from the system), as on Fly.io's pooled URL: DATABASE_URL is the
 * pooler, DATABASE_LISTEN_URL the server itself, named prepared statements off (PgBouncer before 1.21
 * cannot carry them from one transaction to the next). PgBouncer gets fewer server connections than the
 * replicas' pools together, so they must share them transaction by transaction.
 */

/** How often each `counted` task's handler ran, on any replica: exactly once each, or claims went wrong. */
const runs = new Map<string, number>();

@Injectable()
@TaskHandler({ type: 'counted' })
class CountedHandler implements TaskHandler<{ ms: number }, { ran: number }> {
  async run({ ms }: { ms: number }, { task, signal }: TaskContext): Promise<{ ran: number }> {
    const ran = (runs.get(task.id) ?? 0) + 1;
    runs.set(task.id, ran);
    // Long enough that both replicas' slots fill, so both claim.
    await new Promise((resolve) => setTimeout(resolve, ms));
    signal.throwIfAborted();
    return { ran };
  }
}

@Module({ providers: [CountedHandler] })
class CountedHandlerModule {}

const SERVER_CONNECTIONS = 4;

/** A `SHOW …` of PgBouncer's admin console, the rows of this database only. */
async function show<T extends pg.QueryResultRow>(bouncer: PgBouncer, what: string, database: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: bouncer.adminUrl });
  await client.connect();
  try {
    return (await client.query<T & { database: string }>(`SHOW ${what}`)).rows.filter(
      (row) => row.database === database,
    );
  } finally {
    await client.end();
  }
}

describe('replicas through PgBouncer in transaction mode, LISTEN on the direct URL', () => {
  let database: TestDatabase;
  let bouncer: PgBouncer;
  let replicas: TestApp[];
  let name: string;

  beforeAll(async () => {
    bouncer = await startPgBouncer({
      serverUrl: serverUrl(),
      serverConnections: SERVER_CONNECTIONS,
      log: (message) => process.stdout.write(`${message}\n`),
    });
    // Empty: the replicas migrate it at start-up, at the same time, under the migration lock.
    database = await createTestDatabase({ empty: true });
    name = new URL(database.url).pathname.slice(1);
    const environment = {
      DATABASE_LISTEN_URL: database.url,
      DATABASE_PREPARED_STATEMENTS: 'false',
      DATABASE_POOL_SIZE: '10',
      WORKER_CONCURRENCY: '4',
      // Heartbeats every 8 hours: a stop that arrives came through LISTEN/NOTIFY.
      LEASE_MS: '86400000',
    };
    replicas = await Promise.all(
      [1, 2].map(() =>
        startTestApp(bouncer.pooled(database.url), environment, [ProbeHandlersModule, CountedHandlerModule]),
      ),
    );
  });

  afterAll(async () => {
    await Promise.all(replicas?.map((replica) => replica.close()) ?? []);
    await bouncer?.stop(); // before the drop, which would end its server connections under it
    await database?.drop();
  });

  const holderOf = (task: Task): TestApp => {
    const holder = replicas.find((replica) => task.workerId?.startsWith(`${replica.config.replicaId}/`));
    if (!holder) throw new Error(`task ${task.id} is held by ${task.workerId}, no replica of this test`);
    return holder;
  };

  it('migrated the empty database from both replicas at once, and left no migration lock held', async () => {
    const applied = await database.query<{ name: string }>('SELECT name FROM migrations');
    expect(applied.length).toBeGreaterThan(0);
    expect(new Set(applied.map(({ name }) => name)).size).toBe(applied.length);
    const locks = `SELECT objid FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                   WHERE l.locktype = 'advisory' AND d.datname = current_database()`;
    expect(await database.query(locks)).toEqual([]);
  });

  it('runs every task exactly once, claimed by both replicas through the shared server connections', async () => {
    const transactions = async (): Promise<number> =>
      Number((await show<{ total_xact_count: string }>(bouncer, 'STATS', name))[0]?.total_xact_count ?? 0);
    const transactionsBefore = await transactions();
    const batches = await Promise.all(
      replicas.map(async (replica) => {
        const tasks = Array.from({ length: 30 }, () => ({ type: 'counted', payload: { ms: 20 } }));
        const response = await replica.http.post('/tasks/batch').send({ tasks }).expect(201);
        return (response.body as { tasks: Task[] }).tasks.map((task) => task.id);
      }),
    );
    const ids = batches.flat();
    const finished = await Promise.all(ids.map((id) => replicas[0].waitForStatus(id, 'succeeded', 'failed')));

    expect(finished.filter((task) => task.status !== 'succeeded')).toEqual([]);
    expect(finished.map((task) => task.attempt)).toEqual(ids.map(() => 1));
    expect(ids.map((id) => runs.get(id))).toEqual(ids.map(() => 1));
    expect(new Set(finished.map((task) => holderOf(task).config.replicaId)).size).toBe(2);
    expect(await database.query('SELECT task_id FROM task_attempts')).toEqual([]);

    // Each task was at least inserted, claimed and finished through the pooler.
    expect((await transactions()) - transactionsBefore).toBeGreaterThan(ids.length);
  });

  it('stops a task running on one replica from the other, through LISTEN on the direct URL', async () => {
    const [first] = replicas;
    const { id } = (await first.http.post('/tasks').send({ type: 'probe' }).expect(201)).body as Task;
    const holder = holderOf(await first.waitForStatus(id, 'running'));
    const other = replicas.find((replica) => replica !== holder)!;
    const aborted = holder.app.get(ProbeEvents).nextAbort(id);

    const response = await other.http.delete(`/tasks/${id}?wait=30000`).expect(200);

    expect(response.body).toMatchObject({ id, status: 'cancelled', error: { message: 'stopped on request' } });
    await aborted;
  });

  it('keeps the pool behind PgBouncer and only the LISTEN connections direct', async () => {
    const [pool] = await show<{ sv_active: string; sv_idle: string; sv_used: string }>(bouncer, 'POOLS', name);
    const serverConnections = Number(pool.sv_active) + Number(pool.sv_idle) + Number(pool.sv_used);
    expect(serverConnections).toBeGreaterThan(0);
    expect(serverConnections).toBeLessThanOrEqual(SERVER_CONNECTIONS);

    const sessions = await sessionsOf(bouncer, database, name);
    expect(sessions.direct.filter((query) => /^LISTEN /.test(query))).toHaveLength(2);
    expect(sessions.pooled.length).toBeGreaterThan(0);
  });
});

describe("an application's own DataSource through PgBouncer, with databaseListenUrl", () => {
  let database: TestDatabase;
  let bouncer: PgBouncer;
  let dataSource: DataSource;
  let app: INestApplication;
  let name: string;

  beforeAll(async () => {
    bouncer = await startPgBouncer({ serverUrl: serverUrl(), serverConnections: 2, log: () => undefined });
    database = await createTestDatabase({ empty: true });
    name = new URL(database.url).pathname.slice(1);
    dataSource = await new DataSource({
      type: 'postgres',
      url: bouncer.pooled(database.url),
      extra: { max: 5 },
    }).initialize();
    @Module({
      imports: [
        TaskSystemModule.forRoot({
          dataSource,
          databaseListenUrl: database.url,
          settings: { databasePreparedStatements: false, pollIntervalMs: 200 },
        }),
        CountedHandlerModule,
      ],
    })
    class HostModule {}
    app = await NestFactory.create(HostModule, { logger: false, abortOnError: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await dataSource?.destroy();
    await bouncer?.stop();
    await database?.drop();
  });

  it('migrates on the direct URL, listens there, and runs a task submitted in a transaction through the pooler', async () => {
    const tasks = app.get(TaskSystem);
    const submitted = await dataSource.transaction((manager) =>
      tasks.submit({ type: 'counted', payload: { ms: 1 } }, { manager }),
    );

    expect(await tasks.wait(submitted.id, { timeoutMs: 15_000 })).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect((await database.query('SELECT name FROM migrations')).length).toBeGreaterThan(0);
    const sessions = await sessionsOf(bouncer, database, name);
    expect(sessions.direct.filter((query) => /^LISTEN /.test(query))).toHaveLength(1);
    expect(sessions.pooled.filter((query) => /^LISTEN /.test(query))).toEqual([]);
  });
});

/**
 * The last statement of each session on the test database but the caller's, split by whether it is one of
 * PgBouncer's server connections (known by their local port) or a direct one. The test's own pool
 * (createTestDatabase) may hold an idle direct connection or two.
 */
async function sessionsOf(
  bouncer: PgBouncer,
  database: TestDatabase,
  name: string,
): Promise<{ direct: string[]; pooled: string[] }> {
  const servers = await show<{ local_port: string }>(bouncer, 'SERVERS', name);
  const pooledPorts = new Set(servers.map((row) => Number(row.local_port)));
  const sessions = await database.query<{ client_port: number; query: string }>(
    `SELECT client_port, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  return {
    direct: sessions.filter((session) => !pooledPorts.has(session.client_port)).map((session) => session.query),
    pooled: sessions.filter((session) => pooledPorts.has(session.client_port)).map((session) => session.query),
  };
}
