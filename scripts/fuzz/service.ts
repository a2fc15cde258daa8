import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from './from-dist.js';

/** Which of the two services a request goes to: the one with API keys, or the one running open. */
export type Target = 'keys' | 'open';

/** The keys service's key (API_KEYS: 16 printable characters or more). */
export const API_KEY = 'fuzz-key-0123456789abcdef';

export interface Service {
  target: Target;
  port: number;
  baseUrl: string;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<void>;
  /** Set once it has exited, with its exit code or signal: a service that exits mid-run is a failure. */
  exitedWith?: string;
}

/** The service as `npm start` runs it, with what the fuzz needs on top of the defaults. */
const SERVICE_ENV = {
  // The rate limit stays on, at its default, as in production; the sweep is sequential and stays under it.
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'text',
  NO_COLOR: '1',
  // Tasks the sweep accepts are stopped after each request; the slots are for fixtures and schedule fires.
  WORKER_CONCURRENCY: '20',
  POLL_INTERVAL_MS: '200',
};

const TARGET_ENV: Record<Target, Record<string, string>> = {
  keys: { API_KEYS: API_KEY },
  // As `npm start` with no key: the case that cross-site writes (issue 14) are about.
  open: {},
};

const READY_TIMEOUT_MS = 60_000;

/**
 * Starts `node dist/main.js` on a free port with the run database, and resolves once /health/ready
 * answers 200. Both services share the database: the second waits for the first's migrations (advisory lock).
 */
export async function startService(target: Target, databaseUrl: string, logDir: string): Promise<Service> {
  const port = await freePort();
  const logFile = join(logDir, `service-${target}.log`);
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'main.js')], {
    cwd: PROJECT_ROOT,
    // Only what the service needs, so that nothing in the caller's environment changes its configuration.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...SERVICE_ENV,
      ...TARGET_ENV[target],
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REPLICA_ID: `fuzz-${target}`,
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      service.exitedWith = signal ?? `exit code ${code}`;
      resolve();
    }),
  );
  const service: Service = {
    target,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    logFile,
    stop: (graceMs) => stop(child, exited, graceMs),
  };
  await waitUntilReady(service);
  return service;
}

async function stop(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

async function waitUntilReady(service: Service): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (service.exitedWith) {
      throw new Error(
        `the ${service.target} service exited (${service.exitedWith}) while starting; see ${service.logFile}`,
      );
    }
    const status = await fetch(`${service.baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) })
      .then((response) => response.status)
      .catch(() => 0);
    if (status === 200) return;
    if (Date.now() > deadline) {
      await service.stop(0);
      throw new Error(
        `the ${service.target} service was not ready within ${READY_TIMEOUT_MS} ms; see ${service.logFile}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
