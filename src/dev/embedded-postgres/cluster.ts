import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import type { OsUser } from './os-user.js';

const run = promisify(execFile);

export interface NewCluster {
  dataDir: string;
  initdb: string;
  /** Whom initdb runs as (it refuses root, as the server does); undefined: ourselves. */
  osUser: OsUser | undefined;
  /** Tests only: skip fsync while writing the cluster. */
  fast: boolean;
  log: (message: string) => void;
}

/**
 * Runs initdb for a new cluster: superuser `postgres`, trust authentication (the server listens on
 * 127.0.0.1 only), UTF8 with the C locale so that text behaves the same on every machine. initdb works in
 * a side folder renamed into place at the end, so a process killed during initdb cannot leave a
 * half-initialised cluster that would never start.
 */
export async function initialiseCluster({ dataDir, initdb, osUser, fast, log }: NewCluster): Promise<void> {
  const staging = `${dataDir}.initdb`;
  await fs.rm(staging, { recursive: true, force: true });
  log(`Initialising a new PostgreSQL cluster in ${dataDir}`);
  await fs.mkdir(staging, { recursive: true, mode: 0o700 });
  if (osUser) await fs.chown(staging, osUser.uid, osUser.gid);
  const args = [`--pgdata=${staging}`, '--username=postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'];
  if (fast) args.push('--no-sync');
  try {
    await run(initdb, args, { ...osUser, env: { ...process.env, LC_MESSAGES: 'C' } });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`initdb failed for ${dataDir}:\n${stderr || stdout || String(error)}`, { cause: error });
  }
  await fs.rmdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTEMPTY') {
      throw new Error(`${dataDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION); move it away`);
    }
    if (error.code !== 'ENOENT') throw error;
  });
  await fs.rename(staging, dataDir);
}
