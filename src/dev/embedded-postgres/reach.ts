// As root, PostgreSQL runs as the OS user "postgres" (os-user.ts), which must enter every folder above its
// programs and its data. A project in a private folder (root's home is 0700, and so is a `mktemp -d`) is
// out of its reach. Rather than change that folder's permissions behind the user's back, the programs are
// copied, and the cluster kept, under one folder it can enter; nothing else on the machine changes.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Binaries } from './binaries.js';
import type { OsUser } from './os-user.js';
import { firstUnreachable } from './os-user.js';
import { realPath } from './proc.js';

/** Kept across reboots (unlike /tmp), entered by every user, written only by root. */
const WITHIN_REACH = '/var/tmp/tasksystem-embedded-postgres';

export interface Placement {
  dataDir: string;
  binaries: Binaries;
}

/** Where PostgreSQL, run as `user`, keeps `dataDir`'s cluster and finds its programs. */
export async function placeWithinReach(
  user: OsUser,
  wanted: Placement,
  log: (message: string) => void,
): Promise<Placement> {
  const dataBlockedAt = firstUnreachable(user, [path.dirname(wanted.dataDir)]);
  const programsBlockedAt = firstUnreachable(user, [wanted.binaries.postgres, wanted.binaries.initdb]);
  if (!dataBlockedAt && !programsBlockedAt) return wanted;
  await ensureRootFolder(WITHIN_REACH);
  const shelterBlockedAt = firstUnreachable(user, [WITHIN_REACH]);
  if (shelterBlockedAt) {
    throw new Error(
      `The OS user "postgres" can enter neither ${dataBlockedAt ?? programsBlockedAt} nor ${shelterBlockedAt}; ` +
        'run as another user than root',
    );
  }
  const placed = { ...wanted };
  if (programsBlockedAt) {
    placed.binaries = await copyBinaries(wanted.binaries);
    log(
      `The OS user "postgres" cannot enter ${programsBlockedAt}: PostgreSQL's programs are copied to ${WITHIN_REACH}`,
    );
  }
  if (dataBlockedAt) {
    placed.dataDir = path.join(WITHIN_REACH, `cluster-${digest(wanted.dataDir)}`);
    log(
      `The OS user "postgres" cannot enter ${dataBlockedAt}: the cluster of ${wanted.dataDir} is kept in ${placed.dataDir}`,
    );
  }
  return placed;
}

/**
 * Copies the package's `native/` folder (bin, lib, share: the programs find the rest relative to themselves)
 * once per release of the binaries package, shared by every checkout that has that release.
 */
async function copyBinaries(binaries: Binaries): Promise<Binaries> {
  const native = path.dirname(path.dirname(realPath(binaries.postgres)));
  const { name, version } = JSON.parse(await fs.readFile(path.join(native, '..', 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const { size } = await fs.stat(binaries.postgres);
  const target = path.join(WITHIN_REACH, `programs-${digest(`${name}@${version}:${size}`)}`);
  const relocate = (binary: string): string => path.join(target, path.relative(native, realPath(binary)));
  const copied = { postgres: relocate(binaries.postgres), initdb: relocate(binaries.initdb) };
  const complete = path.join(target, '.complete');
  if (existsSync(complete)) return copied;
  // Copied aside and renamed into place, so an interrupted copy is never taken for a whole one.
  const partial = `${target}.${process.pid}.partial`;
  await fs.rm(partial, { recursive: true, force: true });
  await fs.cp(native, partial, { recursive: true, verbatimSymlinks: true });
  await fs.writeFile(path.join(partial, '.complete'), '');
  await fs.rm(target, { recursive: true, force: true });
  await fs.rename(partial, target).catch(async (error: NodeJS.ErrnoException) => {
    // Another process placed it meanwhile: theirs is as good.
    await fs.rm(partial, { recursive: true, force: true });
    if (!existsSync(complete)) throw error;
  });
  return copied;
}

/** A folder owned by root that others may enter and not write: refused if someone else made it first. */
async function ensureRootFolder(folder: string): Promise<void> {
  await fs.mkdir(folder, { recursive: true, mode: 0o755 });
  const stat = await fs.lstat(folder);
  if (!stat.isDirectory() || stat.uid !== 0) {
    throw new Error(`${folder} is not a folder owned by root; remove it and start again`);
  }
  if ((stat.mode & 0o777) !== 0o755) await fs.chmod(folder, 0o755);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
