import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Postmaster } from './postmaster.js';
import { shutDownPostmaster } from './postmaster.js';
import { parentPid, readFileOrEmpty, readLink, realPath, signal } from './proc.js';

/**
 * A postmaster left running in `dataDir` by a process that died without stopping it (kill -9) is
 * stopped; a stale lock file whose pid is dead or now someone else's is removed.
 */
export async function stopOrphanedPostmaster(dataDir: string, log: (message: string) => void): Promise<void> {
  // Without /proc (macOS) nothing here can tell a live postmaster from a reused pid: leave the lock file
  // to Postgres, which refuses to start while its pid is alive.
  const pid = await readPostmasterPid(dataDir).catch(() => undefined);
  if (pid === undefined || !existsSync('/proc/self/cmdline')) return;
  if (!isPostmasterOf(pid, dataDir)) {
    // Dead, or the pid now belongs to something else. Postgres itself would refuse to start if that process
    // runs as the same OS user (as root, that user may be shared with a system PostgreSQL): drop the file.
    log(`Removing stale ${path.join(dataDir, 'postmaster.pid')} (pid ${pid} is not its postmaster)`);
    await fs.rm(path.join(dataDir, 'postmaster.pid'), { force: true });
    return;
  }
  const parent = parentPid(pid);
  if (parent !== undefined && parent > 1 && /node/i.test(path.basename(readLink(`/proc/${parent}/exe`)))) {
    throw new Error(`PostgreSQL in ${dataDir} (pid ${pid}) belongs to the live Node process ${parent}; stop it first`);
  }
  log(`Stopping orphaned PostgreSQL (pid ${pid}) left running in ${dataDir}`);
  const orphan: Postmaster = { pid, signal: (name) => signal(pid, name), isAlive: () => isPostmasterOf(pid, dataDir) };
  await shutDownPostmaster(orphan, dataDir);
}

async function readPostmasterPid(dataDir: string): Promise<number> {
  const firstLine = (await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0];
  const pid = Number(firstLine);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`Unreadable postmaster.pid in ${dataDir}`);
  return pid;
}

function isPostmasterOf(pid: number, dataDir: string): boolean {
  // Pids get reused, and as root a system PostgreSQL runs as the same OS user: signal only a postgres
  // process serving this very directory. A zombie has an empty cmdline and counts as gone.
  const args = readFileOrEmpty(`/proc/${pid}/cmdline`).split('\0');
  if (!args.some((arg) => arg.includes('postgres'))) return false;
  // It is started with `-D <dataDir>` and chdirs into it (the cwd covers symlinked paths).
  return args.includes(dataDir) || readLink(`/proc/${pid}/cwd`) === realPath(dataDir);
}
