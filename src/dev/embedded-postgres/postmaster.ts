import { type ChildProcess, spawn } from 'node:child_process';
import readline from 'node:readline';
import type { OsUser } from './os-user.js';
import { realPath } from './proc.js';

/** A postmaster to shut down: ours (a child process) or an orphan found by its pid. */
export interface Postmaster {
  pid: number;
  signal(name: NodeJS.Signals): void;
  isAlive(): boolean;
}

export interface SpawnOptions {
  dataDir: string;
  osUser: OsUser | undefined;
  /** Every line Postgres writes (its log goes to stderr), during start-up and afterwards. */
  onLine: (line: string) => void;
  onError: (error: Error) => void;
}

/**
 * Starts the postmaster in its own session and process group (`detached`), so signals for our process
 * group (terminal Ctrl-C, SIGHUP on hang-up, `kill -- -<pgid>`) do not reach it. It stays our child:
 * stopOrphanedPostmaster relies on that. Resolves once it accepts connections; rejects if it exits first.
 */
export function spawnPostmaster(binary: string, args: string[], options: SpawnOptions): Promise<Postmaster> {
  const { dataDir, osUser, onLine, onError } = options;
  const child = spawn(binary, args, {
    ...osUser, // uid/gid only: no supplementary groups, as initdb ran
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The readiness check below reads an English log line.
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const postmaster: Postmaster = {
    pid: child.pid ?? 0,
    signal: (name) => void child.kill(name), // a no-op once it exited, so never hits a reused pid
    isAlive: () => child.exitCode === null && child.signalCode === null,
  };
  if (child.pid !== undefined) {
    const watchdog = spawnWatchdog(child.pid, dataDir, osUser, onError);
    // Fallback for a caller that exits without stop(): a synchronous SIGINT (fast shutdown) keeps the
    // postmaster from being orphaned. It does not exit or otherwise affect this process.
    const interruptOnExit = (): void => {
      watchdog?.kill('SIGKILL');
      postmaster.signal('SIGINT');
    };
    process.on('exit', interruptOnExit);
    child.once('exit', () => {
      process.removeListener('exit', interruptOnExit);
      watchdog?.kill('SIGKILL');
    });
  }
  return new Promise((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        if (!line.trim()) return;
        onLine(line.trimEnd());
        if (line.includes('database system is ready to accept connections')) resolve(postmaster);
      });
    }
    child.on('error', (error) => {
      onError(error);
      reject(error);
    });
    // 'close' comes after every line of its output, so the caller's error message can show them.
    child.once('close', (code, signal) =>
      reject(new Error(`PostgreSQL exited during start-up (${signal ? `signal ${signal}` : `code ${code}`})`)),
    );
  });
}

/**
 * The postmaster no longer dies with our process group, so something has to end it when this process
 * ends without stop() and without 'exit' listeners running: killed by a signal it does not handle (e.g.
 * Ctrl-C in a caller without a SIGINT handler, like Jest) or by kill -9. This tiny shell, in its own
 * session too, waits for EOF on a pipe that only this process holds (the OS closes it however we end),
 * then asks the postmaster for a fast shutdown, unless that pid no longer serves dataDir. stop() and the
 * 'exit' listener disarm it. stopOrphanedPostmaster remains the backstop (e.g. the watchdog was killed).
 */
function spawnWatchdog(
  pid: number,
  dataDir: string,
  osUser: OsUser | undefined,
  onError: (error: Error) => void,
): ChildProcess | undefined {
  const script =
    'read -r _; if [ -d /proc/self ] && [ "$(readlink "/proc/$1/cwd")" != "$2" ]; then exit 0; fi; kill -INT "$1"';
  try {
    const watchdog = spawn('/bin/sh', ['-c', script, 'embedded-postgres-watchdog', String(pid), realPath(dataDir)], {
      ...osUser, // may signal the postmaster, nothing run by other users
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    watchdog.on('error', onError);
    watchdog.stdin?.on('error', () => undefined); // EPIPE if it is gone; nothing is ever written
    watchdog.unref(); // must not keep this process alive
    return watchdog;
  } catch (error) {
    onError(error as Error);
    return undefined;
  }
}

export async function shutDownPostmaster(postmaster: Postmaster, dataDir: string): Promise<void> {
  // SIGINT is Postgres' fast shutdown (clean checkpoint); SIGQUIT is immediate shutdown (crash recovery
  // on next start), used only if the fast one hangs.
  const { pid } = postmaster;
  for (const [sig, timeoutMs] of [
    ['SIGINT', 30_000],
    ['SIGQUIT', 5_000],
  ] as const) {
    postmaster.signal(sig);
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
      if (!postmaster.isAlive()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`PostgreSQL (pid ${pid}) in ${dataDir} did not shut down; kill it by hand`);
}
