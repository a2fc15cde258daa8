import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Global, Injectable, Module } from '@nestjs/common';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { TaskRefusedError, TaskHandler, TaskSystem, TaskSystemModule } from '../src/index.js';
import type { TaskContext, TaskSystemFeatures } from '../src/index.js';
import { APP_CONFIG } from '../src/config/app-config.js';
import type { AppConfig } from '../src/config/app-config.js';
import { WorkerSupervisor } from '../src/worker/worker-supervisor.service.js';
import { databaseUrl, serverUrl, withAdminClient } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

/**
 * TaskSystem as an application embeds it, through the package's entry point only: the application's own
 * DataSource (on a database TaskSystem has never seen, so its migrations run at start-up), its own table,
 * its own task types, its own transactions.
 */

/** Inline: records the order as receipted, then enqueues a follow-up task through the injected client. */
@Injectable()
@TaskHandler({ type: 'host-receipt' })
class ReceiptHandler implements TaskHandler<{ orderId: number }, { followUp: string }> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tasks: TaskSystem,
  ) {}

  async run({ orderId }: { orderId: number }, { signal }: TaskContext): Promise<{ followUp: string }> {
    signal.throwIfAborted();
    await this.dataSource.query(`UPDATE orders SET status = 'receipted' WHERE id = $1`, [orderId]);
    const followUp = await this.tasks.submit({ type: 'host-archive', payload: { orderId } });
    return { followUp: followUp.id };
  }
}

@Injectable()
@TaskHandler({ type: 'host-archive' })
class ArchiveHandler implements TaskHandler<{ orderId: number }, { archived: number }> {
  run({ orderId }: { orderId: number }): Promise<{ archived: number }> {
    return Promise.resolve({ archived: orderId });
  }
}

/** The application's own database connection, as TypeOrmModule would provide it. */
function hostDatabaseModule(url: string): Type {
  @Global()
  @Module({
    providers: [
      {
        provide: DataSource,
        useFactory: async () => {
          const dataSource = await new DataSource({ type: 'postgres', url, extra: { max: 5 } }).initialize();
          await dataSource.query(
            `CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, item text NOT NULL, status text NOT NULL DEFAULT 'placed')`,
          );
          return dataSource;
        },
      },
    ],
    exports: [DataSource],
  })
  class HostDatabaseModule {}
  return HostDatabaseModule;
}

async function startHost(url: string, features: TaskSystemFeatures): Promise<INestApplication> {
  @Module({
    imports: [
      hostDatabaseModule(url),
      TaskSystemModule.forRootAsync({
        inject: [DataSource],
        useFactory: (dataSource: DataSource) => ({ dataSource, settings: { pollIntervalMs: 200, retryBaseMs: 20 } }),
        ...features,
      }),
    ],
    providers: [ReceiptHandler, ArchiveHandler],
  })
  class HostModule {}
  const app = await NestFactory.create(HostModule, { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

describe('TaskSystemModule in an application of its own', () => {
  const name = `tasksystem_embed_${randomBytes(6).toString('hex')}`;
  let app: INestApplication;
  let tasks: TaskSystem;
  let dataSource: DataSource;

  beforeAll(async () => {
    // An empty database: nothing of TaskSystem's exists until its module starts.
    await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
    app = await startHost(databaseUrl(serverUrl(), name), { http: { path: 'jobs' } });
    tasks = app.get(TaskSystem);
    dataSource = app.get(DataSource);
  });

  afterAll(async () => {
    await app?.close();
    await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  /** Places an order and submits its receipt task in one transaction of the application's. */
  const placeOrder = (item: string, failBeforeCommit = false): Promise<{ orderId: number; taskId: string }> =>
    dataSource.transaction(async (manager) => {
      const [{ id }] = await manager.query<{ id: number }[]>('INSERT INTO orders (item) VALUES ($1) RETURNING id', [
        item,
      ]);
      const task = await tasks.submit({ type: 'host-receipt', payload: { orderId: id } }, { manager });
      if (failBeforeCommit) throw new Error('refused after the submit');
      return { orderId: id, taskId: task.id };
    });

  it('migrates an empty database on the application’s DataSource, and leaves that DataSource the application’s', async () => {
    const [{ tasks: table }] = await dataSource.query<{ tasks: string | null }[]>(
      `SELECT to_regclass('tasks')::text AS tasks`,
    );
    expect(table).toBe('tasks');
    expect(dataSource.isInitialized).toBe(true);
  });

  it('submits in the application’s transaction: a rollback leaves neither the order nor the task', async () => {
    await expect(placeOrder('book', true)).rejects.toThrow('refused after the submit');
    expect(await dataSource.query(`SELECT * FROM orders WHERE item = 'book'`)).toEqual([]);
    expect((await tasks.list({ type: 'host-receipt' })).tasks).toEqual([]);
  });

  it('submits in the application’s transaction: after the commit the task runs, and so does its follow-up', async () => {
    const { orderId, taskId } = await placeOrder('pen');
    const receipt = await tasks.wait(taskId, { timeoutMs: 15_000 });
    expect(receipt.status).toBe('succeeded');
    const [order] = await dataSource.query<{ status: string }[]>('SELECT status FROM orders WHERE id = $1', [orderId]);
    expect(order.status).toBe('receipted');
    const followUp = await tasks.wait((receipt.result as { followUp: string }).followUp, { timeoutMs: 15_000 });
    expect(followUp).toMatchObject({ type: 'host-archive', status: 'succeeded', result: { archived: orderId } });
  });

  it('waits no longer than asked: a task not due yet comes back queued', async () => {
    const later = await tasks.submit({
      type: 'host-archive',
      payload: { orderId: 0 },
      runAt: new Date(Date.now() + 3_600_000),
    });
    expect((await tasks.wait(later.id, { timeoutMs: 200 })).status).toBe('queued');
    expect((await tasks.stop(later.id)).task.status).toBe('cancelled');
  });

  it('throws the API’s errors as TaskRefusedError, with a code to switch on', async () => {
    const codeOf = (promise: Promise<unknown>): Promise<string> =>
      promise.then(
        () => 'resolved',
        (error: unknown) => (error instanceof TaskRefusedError ? error.code : String(error)),
      );
    expect(await codeOf(tasks.submit({ type: 'no-such-type' }))).toBe('UNKNOWN_TASK_TYPE');
    expect(await codeOf(tasks.submit({ type: 'host-archive', priority: 1000 }))).toBe('INVALID_REQUEST');
    expect(await codeOf(tasks.get('999999'))).toBe('TASK_NOT_FOUND');
    expect(await codeOf(tasks.get('not-an-id'))).toBe('TASK_NOT_FOUND');
  });

  it('serves the REST API under its path only, with ?wait= on GET /tasks/:id and POST /tasks', async () => {
    const http = request(app.getHttpServer());
    await http.get('/tasks').expect(404);
    const submitted = await http
      .post('/jobs/tasks?wait=10000')
      .send({ type: 'host-archive', payload: { orderId: 7 } })
      .expect(201);
    expect(submitted.body).toMatchObject({ status: 'succeeded', result: { archived: 7 } });

    const { taskId } = await placeOrder('ink');
    const waited = await http.get(`/jobs/tasks/${taskId}?wait=10000`).expect(200);
    expect(waited.body).toMatchObject({ id: taskId, status: 'succeeded' });

    const refused = await http.get(`/jobs/tasks/${taskId}?wait=60001`).expect(400);
    expect(JSON.stringify(refused.body)).toContain('wait must be a whole number of milliseconds from 0 to 60000');
    await http.post('/jobs/tasks').send({ type: 'no-such-type' }).expect(400);
  });

  it('runs no worker in a process that asks for none: its tasks wait for one that does', async () => {
    const apiOnly = await startHost(databaseUrl(serverUrl(), name), { worker: false });
    try {
      const client = apiOnly.get(TaskSystem);
      const task = await client.submit({ type: 'host-archive', payload: { orderId: 9 }, queue: 'api-only' });
      // The first process works every queue, so it is the one that runs it.
      const done = await waitFor('the task to be run by the process with a worker', async () => {
        const current = await tasks.get(task.id);
        return current.status === 'succeeded' ? current : undefined;
      });
      expect(done.workerId?.startsWith(`${app.get<AppConfig>(APP_CONFIG).replicaId}/`)).toBe(true);
      expect(() => apiOnly.get(WorkerSupervisor, { strict: false })).toThrow();
    } finally {
      await apiOnly.close();
    }
  });
});
