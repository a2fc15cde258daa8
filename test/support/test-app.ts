import 'reflect-metadata';
import type { INestApplication, Type } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createApp } from '../../src/app.setup.js';
import { loadConfig } from '../../src/config/app-config.js';
import type { AppConfig } from '../../src/config/app-config.js';
import type { Task } from '../../src/task-store/task.js';
import { waitFor } from './wait-for.js';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  http: TestAgent;
  /** Fetches a task through the API. */
  task(id: string): Promise<Task>;
  /** Waits until the task reaches one of these statuses, and returns it. */
  waitForStatus(id: string, ...statuses: string[]): Promise<Task>;
  close(): Promise<void>;
}

/**
 * A whole TaskSystem replica in this process, listening on a random port, built by the same createApp
 * as `npm start`. Environment variables are given as they would be in production.
 */
export async function startTestApp(
  databaseUrl: string,
  environment: Record<string, string> = {},
  extraModules: Type[] = [],
): Promise<TestApp> {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    // Quiet by default; TEST_LOG_LEVEL=info shows what the replicas do.
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal',
    POLL_INTERVAL_MS: '200',
    RETRY_BASE_MS: '20',
    RETRY_MAX_MS: '100',
    // In-process replicas run without the rate limit: Jest cannot load @nestjs/throttler on Node 20
    // (see src/auth/rate-limit.module.ts). It is tested on a real process instead.
    THROTTLE_LIMIT: '0',
    ...environment,
  });
  const app = await createApp(config, extraModules);
  await app.listen(0, '127.0.0.1');
  const http = request(app.getHttpServer());
  const task = async (id: string): Promise<Task> => {
    const response = await http.get(`/tasks/${id}`).expect(200);
    return response.body as Task;
  };
  return {
    app,
    config,
    http,
    task,
    waitForStatus: (id, ...statuses) =>
      waitFor(`task ${id} to be ${statuses.join(' or ')}`, async () => {
        const current = await task(id);
        return statuses.includes(current.status) ? current : undefined;
      }),
    close: () => app.close(),
  };
}
