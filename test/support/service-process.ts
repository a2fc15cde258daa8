import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { waitFor } from './wait-for.js';

/** The built service (global setup runs `npm run build`), exactly what `npm start` runs. */
const MAIN = resolve('dist', 'main.js');

export interface ServiceProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once it has exited. */
  exited: Promise<number | string>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Starts `node dist/main.js` as a separate process, in `cwd`, with only the given environment on top of PATH. */
export function spawnService(cwd: string, environment: Record<string, string>): ServiceProcess {
  let output = '';
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, LOG_LEVEL: 'info', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? -1)),
  );
  return { child, baseUrl: `http://127.0.0.1:${environment.PORT}`, output: () => output, exited };
}

/** Starts the service and waits until it answers /health; fails at once, with its output, if it exits first. */
export async function startService(cwd: string, environment: Record<string, string>): Promise<ServiceProcess> {
  const service = spawnService(cwd, environment);
  const healthy = waitFor(
    'the service to answer /health',
    async () => (await fetch(`${service.baseUrl}/health`).catch(() => undefined))?.status === 200,
    { timeoutMs: 45_000, intervalMs: 100 },
  );
  const exitedFirst = service.exited.then((code) => {
    throw new Error(`the service exited (${code}) before it was healthy:\n${service.output()}`);
  });
  await Promise.race([healthy, exitedFirst]);
  exitedFirst.catch(() => undefined);
  return service;
}
