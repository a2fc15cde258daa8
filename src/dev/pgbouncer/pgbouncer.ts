// A PgBouncer in transaction mode in front of a PostgreSQL server, for `npm run test:pgbouncer` and
// `npm run chaos -- --pgbouncer`: the set-up of a managed pooler (Fly.io's), on this machine. PgBouncer is
// not an npm package: it comes from the system (`apt-get install pgbouncer`), which is why neither is part
// of `npm test`. Each start has its own folder (ini, auth file) and port, so runs do not meet.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { postgresOsUser } from '../embedded-postgres/os-user.js';
import { findFreePort } from '../embedded-postgres/ports.js';
import { pgBouncerAuthFile, pgBouncerIni, pooledUrl } from './pgbouncer-config.js';

export interface PgBouncer {
  port: number;
  /** A database URL of the server, through PgBouncer: the same user, password and database. */
  pooled(directUrl: string): string;
  /** Its admin console (`SHOW POOLS`, `SHOW STATS`, `SHOW CLIENTS`), through the simple query protocol. */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** Any database URL on the PostgreSQL server to pool. */
  serverUrl: string;
  /** Server connections per database (`default_pool_size`), default 20. */
  serverConnections?: number;
  log: (message: string) => void;
}

/** Where Debian and most distributions install it; root's PATH has /usr/sbin, other users' often not. */
const SEARCH_PATH = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
const READY_TIMEOUT_MS = 10_000;
/**
 * `sh -c SUPERVISOR <pgbouncer> <ini> <folder>`: PgBouncer in the background (its output is ours), and a
 * watcher that sends it SIGTERM at EOF on our stdin (kept as fd 3: a background job's stdin is /dev/null);
 * the shell waits for PgBouncer, removes its folder and exits.
 */
const SUPERVISOR =
  'exec 3<&0; "$0" "$1" & pid=$!; (read -r _ <&3; kill "$pid" 2>/dev/null) >/dev/null 2>&1 & wait "$pid"; rm -rf "$2"';

/** Finds the pgbouncer program, or fails saying how to install it. */
export function findPgBouncer(): string {
  for (const folder of SEARCH_PATH.filter((entry) => entry !== '')) {
    const candidate = path.join(folder, 'pgbouncer');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  throw new Error(
    'pgbouncer is not installed (it is not an npm package): install it from the system, e.g. ' +
      '`apt-get install pgbouncer` on Debian or Ubuntu, `brew install pgbouncer` on macOS',
  );
}

/** Starts PgBouncer on a free port of 127.0.0.1; resolves once it accepts connections. */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const binary = findPgBouncer();
  // PgBouncer refuses to run as root ("PgBouncer should not run as root"), as PostgreSQL does.
  const osUser = postgresOsUser(options.log);
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'tasksystem-pgbouncer-'));
  const port = await findFreePort();
  const authFile = path.join(folder, 'users.txt');
  const iniFile = path.join(folder, 'pgbouncer.ini');
  const setup = { serverUrl: options.serverUrl, port, serverConnections: options.serverConnections ?? 20 };
  await fs.writeFile(authFile, pgBouncerAuthFile(options.serverUrl), { mode: 0o600 });
  await fs.writeFile(iniFile, pgBouncerIni(setup, authFile), { mode: 0o600 });
  if (osUser) for (const file of [folder, authFile, iniFile]) await fs.chown(file, osUser.uid, osUser.gid);

  // A caller that ends without stop() must not leave a pooler behind, and under Jest neither 'exit' hooks
  // nor signals of ours can be relied on (a test calling process.exit, a kill -9). So a small shell runs
  // PgBouncer and ends it once its stdin reaches EOF, which happens when we close it (stop()) or however
  // we end; the shell exits with PgBouncer.
  const child = spawn('/bin/sh', ['-c', SUPERVISOR, binary, iniFile, folder], {
    ...osUser,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => undefined); // EPIPE once it is gone
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        if (output.push(line) > 20) output.shift();
        if (/\b(WARNING|ERROR|FATAL)\b/.test(line)) options.log(`pgbouncer: ${line}`);
        if (line.includes('process up')) resolve();
      });
    }
    child.once('error', reject);
    child.once('close', (code, signal) =>
      reject(new Error(`pgbouncer exited during start-up (${signal ?? `code ${code}`}):\n${output.join('\n')}`)),
    );
    setTimeout(() => reject(new Error(`pgbouncer was not up within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS).unref();
  });

  const stop = async (): Promise<void> => {
    child.stdin.end(); // the shell then sends PgBouncer SIGTERM, its immediate shutdown: the run is over
    await exited;
    await fs.rm(folder, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  const adminUrl = new URL(pooledUrl(options.serverUrl, port));
  adminUrl.pathname = '/pgbouncer';
  options.log(
    `PgBouncer ${binary} on 127.0.0.1:${port}, transaction mode, ${setup.serverConnections} server connections`,
  );
  return { port, pooled: (directUrl) => pooledUrl(directUrl, port), adminUrl: adminUrl.toString(), stop };
}
