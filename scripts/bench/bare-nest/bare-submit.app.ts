import 'reflect-metadata';
import type { Server } from 'node:http';
import { Body, Controller, Inject, Module, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';

/**
 * The framework-plus-database ceiling of `POST /tasks` on this machine: the least a Nest route on Express
 * can do for a submission — parse the JSON body (Nest's default parser), one `INSERT … RETURNING id` through
 * a pg Pool, answer 201 — and nothing TaskSystem adds (validation, idempotency keys, request ids, the
 * announcement that wakes workers, the task in the answer). The http-submit workload runs it with the same
 * autocannon settings as TaskSystem, in the same round, so `TaskSystem ÷ ceiling` says how much of the
 * machine's room the service's own work takes.
 */

/** Same columns, defaults, constraints and indexes as `tasks` (so the same write per row), no triggers. */
export const BARE_TABLE = 'bare_tasks';
const CREATE_TABLE = `CREATE TABLE ${BARE_TABLE} (LIKE tasks INCLUDING ALL)`;
const INSERT = `INSERT INTO ${BARE_TABLE} (type, payload) VALUES ($1, $2) RETURNING id`;
/** TaskSystem's DATABASE_POOL_SIZE default, so both have as many connections to commit on. */
const POOL_SIZE = 20;
const POOL = Symbol('pg pool');

@Controller('tasks')
class BareTasksController {
  constructor(@Inject(POOL) private readonly pool: pg.Pool) {}

  @Post()
  async submit(@Body() body: { type?: unknown; payload?: unknown }): Promise<{ id: string }> {
    const { rows } = await this.pool.query<{ id: string }>(INSERT, [
      String(body.type),
      JSON.stringify(body.payload ?? null),
    ]);
    return { id: rows[0].id };
  }
}

export interface BareSubmitApp {
  baseUrl: string;
  close(): Promise<void>;
}

/** Creates the table in `databaseUrl` (a clone of TaskSystem's migrated template) and starts the app. */
export async function startBareSubmitApp(databaseUrl: string): Promise<BareSubmitApp> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  let closing = false;
  // Without a listener, pg-pool's 'error' event (an idle client's connection ended) ends the bench process.
  // pool.end() resolves before the server's backends have exited, so the DROP DATABASE … WITH (FORCE) that
  // follows may terminate them, and their clients report it: expected then, and not worth a line.
  pool.on('error', (error) => {
    if (!closing) console.error(`bare Nest route, idle pool client: ${error.message}`);
  });
  let app: INestApplication | undefined;
  try {
    await pool.query(CREATE_TABLE);
    @Module({ controllers: [BareTasksController], providers: [{ provide: POOL, useValue: pool }] })
    class BareSubmitModule {}
    app = await NestFactory.create(BareSubmitModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as Server).address() as { port: number };
    const started = app;
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      async close() {
        closing = true;
        await started.close();
        await pool.end();
      },
    };
  } catch (error) {
    closing = true;
    await app?.close();
    await pool.end();
    throw error;
  }
}
