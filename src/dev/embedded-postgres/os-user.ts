// PostgreSQL refuses to run as root: as root, the embedded server runs as the OS user "postgres".
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface OsUser {
  uid: number;
  gid: number;
}

/** The user to run PostgreSQL as: none (ourselves) unless we are root. */
export function postgresOsUser(log: (message: string) => void): OsUser | undefined {
  return process.getuid?.() === 0 ? ensurePostgresOsUser(log) : undefined;
}

function ensurePostgresOsUser(log: (message: string) => void): OsUser {
  // A fresh container has no such user; `groupadd -f` also copes with a leftover group without the user.
  if (!lookUpOsUser()) {
    log('Creating OS user "postgres" to run the embedded PostgreSQL (running as root)');
    execFileSync('groupadd', ['-f', '--system', 'postgres']);
    execFileSync('useradd', ['--system', '--no-create-home', '-g', 'postgres', 'postgres']);
  }
  const user = lookUpOsUser();
  if (!user) throw new Error('Could not create the OS user "postgres" needed to run PostgreSQL as root');
  return user;
}

function lookUpOsUser(): OsUser | undefined {
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: 'pipe' }));
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/**
 * The first folder on the way to one of `targets` that `user` cannot enter, or undefined when it reaches
 * them all. Tested as that very user (uid/gid, no supplementary groups, exactly how PostgreSQL and initdb
 * get spawned), so ACLs and group bits count as they will for PostgreSQL.
 */
export function firstUnreachable(user: OsUser, targets: string[]): string | undefined {
  const paths = targets.flatMap((target) => ancestors(target));
  const script = 'for p do [ -x "$p" ] || { echo "$p"; exit 1; }; done';
  const result = spawnSync('/bin/sh', ['-c', script, 'sh', ...paths], { ...user, encoding: 'utf8' });
  if (result.status === 0) return undefined;
  return result.stdout.trim() || String(result.error ?? result.stderr);
}

function ancestors(target: string): string[] {
  const result: string[] = [];
  for (let current = target; ; current = path.dirname(current)) {
    result.unshift(current);
    if (path.dirname(current) === current) return result;
  }
}

/** PostgreSQL refuses a data folder it does not own (e.g. one copied around as root). */
export async function ensureOwnedBy(user: OsUser, folder: string, log: (message: string) => void): Promise<void> {
  if ((await fs.stat(folder)).uid !== user.uid) {
    log(`Giving ${folder} to the OS user "postgres"`);
    execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, folder]);
  }
}
