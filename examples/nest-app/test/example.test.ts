// The example application against a real PostgreSQL (DATABASE_URL's server; a database of its own is
// created and dropped). Everything comes from the package's public entry points.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { TaskRefusedError, TaskSystem } from 'tasksystem';
import { createTaskSystemClient } from 'tasksystem/client';
import { AppModule } from '../src/app.module.js';
import { OrdersService } from '../src/orders/orders.service.js';

const server = process.env.DATABASE_URL;
if (!server) throw new Error('DATABASE_URL must name a PostgreSQL server: the example creates a database there');
const databaseName = `tasksystem_example_${process.pid}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('an application with its own task types', () => {
  let app: INestApplication;
  let tasks: TaskSystem;
  let orders: OrdersService;
  let baseUrl: string;

  before(async () => {
    await admin(`CREATE DATABASE ${databaseName}`);
    const url = new URL(server);
    url.pathname = `/${databaseName}`;
    app = await NestFactory.create(AppModule.forDatabase(url.toString()), { logger: ['error'] });
    app.enableShutdownHooks();
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    tasks = app.get(TaskSystem);
    orders = app.get(OrdersService);
  });

  after(async () => {
    await app?.close();
    await admin(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  });

  it('rolls back: an order refused before its commit leaves no task', async () => {
    await assert.rejects(orders.place('book', { failBeforeCommit: true }), /refused after its receipt was submitted/);
    const { tasks: receipts } = await tasks.list({ type: 'send-receipt' });
    assert.deepEqual(receipts, []);
  });

  it('commits: the receipt runs, and its follow-up task, enqueued by the handler, runs too', async () => {
    const { order, receipt } = await orders.place('pen');
    const sent = await tasks.wait(receipt.id, { timeoutMs: 15_000 });
    assert.equal(sent.status, 'succeeded');
    assert.equal((await orders.find(order.id))?.status, 'receipted');
    const { archiveTaskId } = sent.result as { archiveTaskId: string };
    const archived = await tasks.wait(archiveTaskId, { timeoutMs: 15_000 });
    assert.equal(archived.status, 'succeeded');
    assert.deepEqual(archived.result, { archived: order.id });
  });

  it('runs an isolated type in a worker thread, and refuses a bad payload as the API does', async () => {
    const done = await tasks.submitAndWait({ type: 'checksum', payload: { text: 'abc' } }, { timeoutMs: 15_000 });
    assert.equal(done.status, 'succeeded');
    assert.deepEqual(done.result, { sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' });
    await assert.rejects(
      tasks.submit({ type: 'checksum', payload: { text: 42 } }),
      (error: unknown) => error instanceof TaskRefusedError && error.code === 'INVALID_PAYLOAD',
    );
    await assert.rejects(
      tasks.submit({ type: 'no-such-type' }),
      (error: unknown) => error instanceof TaskRefusedError && error.code === 'UNKNOWN_TASK_TYPE',
    );
  });

  it('is reached over HTTP with the typed client, under its own path', async () => {
    const client = createTaskSystemClient({ baseUrl: `${baseUrl}/jobs` });
    const done = await client.submitAndWait(
      { type: 'checksum', payload: { text: 'abc', rounds: 2 } },
      { timeoutMs: 15_000 },
    );
    assert.equal(done.status, 'succeeded');
    const { order, receipt } = await orders.place('ink');
    const sent = await client.wait(receipt.id, { timeoutMs: 15_000 });
    assert.equal(sent.status, 'succeeded');
    assert.equal((sent.result as { sent: number }).sent, order.id);
  });
});
