import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from './from-dist.js';
import { sleep } from './timing.js';

/** The lease every replica runs with: short, so that recovery after a kill fits in a short run. */
export const LEASE_MS = 3000;

/** The service's configuration for every replica (README, Configuration). */
const REPLICA_ENV = {
  LEASE_MS: String(LEASE_MS),
  POLL_INTERVAL_MS: '200',
  WORKER_CONCURRENCY: '10',
  CANCEL_GRACE_MS: '1000',
  SHUTDOWN_GRACE_MS: '2000',
  RETRY_BASE_MS: '50',
  RETRY_MAX_MS: '500',
  LOG_LEVEL: 'warn',
  NO_COLOR: '1', // the logs go to files
};

const ENTRY = join(import.meta.dirname, 'replica.js');
const READY_TIMEOUT_MS = 30_000;
/** Longest answer expected: a DELETE waits up to 2 s (traffic.ts); more means a replica hangs. */
const REQUEST_TIMEOUT_MS = 15_000;
/** How long taking a replica out of rotation waits for the requests it is serving. */
const DRAIN_TIMEOUT_MS = 3000;

/** up: takes requests. out: being killed or frozen, gets none. gone: exited. */
type ReplicaState = 'starting' | 'up' | 'out' | 'gone';

export interface Replica {
  slot: number;
  /** REPLICA_ID: new for every start, so worker ids and faults name one process. */
  id: string;
  port: number;
  child: ChildProcess;
  state: ReplicaState;
  /** Requests sent to it and not yet answered. */
  inFlight: number;
  /** Resolves with the exit code or signal once it has exited. */
  exited: Promise<string>;
}

export interface HttpAnswer {
  /** 0: no answer (connection refused or cut, timeout). */
  status: number;
  body: unknown;
}

/**
 * The replica processes of one run, one per slot, and the HTTP client that spreads requests over those that
 * are up. Traffic goes to 127.0.0.1 only. Each start gets a fresh port and REPLICA_ID; output goes to
 * <logDir>/<REPLICA_ID>.log.
 */
export class ReplicaSet {
  private readonly bySlot = new Map<number, Replica>();
  private readonly starts = new Map<number, number>();
  /** Set once the run ends: a restart still under way must not leave a new replica behind. */
  private closed = false;
  /** Replicas that exited while up, which only a crash does: every fault takes its victim out first. */
  readonly crashes: string[] = [];

  /** `database`: the replicas' DATABASE_URL and whatever else says how they reach it (DATABASE_LISTEN_URL, …). */
  constructor(
    private readonly database: Record<string, string>,
    private readonly logDir: string,
  ) {}

  get all(): Replica[] {
    return [...this.bySlot.values()];
  }

  get up(): Replica[] {
    return this.all.filter((replica) => replica.state === 'up');
  }

  /** Starts (or restarts) the replica of a slot and resolves once it is ready (/health/ready answers 200). */
  async start(slot: number): Promise<Replica> {
    if (this.closed) throw new Error('the run is ending: no more replicas are started');
    const start = (this.starts.get(slot) ?? 0) + 1;
    this.starts.set(slot, start);
    const id = `r${slot}-${start}`;
    const port = await freePort();
    const log = openSync(join(this.logDir, `${id}.log`), 'a');
    const child = spawn(process.execPath, [ENTRY], {
      cwd: PROJECT_ROOT,
      // Only what a replica needs, so nothing in the caller's environment changes its configuration.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...REPLICA_ENV,
        PORT: String(port),
        ...this.database,
        REPLICA_ID: id,
      },
      stdio: ['ignore', log, log, 'ipc'], // the IPC channel tells the replica if we die (replica.ts)
    });
    closeSync(log);
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)),
    );
    const replica: Replica = { slot, id, port, child, state: 'starting', inFlight: 0, exited };
    void exited.then((how) => {
      if (replica.state === 'up') this.crashes.push(`${id} (${how})`);
      replica.state = 'gone';
    });
    this.bySlot.set(slot, replica);
    await waitUntilReady(replica);
    replica.state = 'up';
    return replica;
  }

  /** Stops sending it requests, and waits (briefly) for those it is serving: a fault must not cut off a client. */
  async takeOut(replica: Replica): Promise<void> {
    replica.state = 'out';
    for (const deadline = Date.now() + DRAIN_TIMEOUT_MS; replica.inFlight > 0 && Date.now() < deadline;) {
      await sleep(20);
    }
  }

  /** Sends a request to a random replica that is up (waiting a little if none is). */
  async request(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    let replica = pick(this.up);
    for (const deadline = Date.now() + READY_TIMEOUT_MS; !replica && Date.now() < deadline; replica = pick(this.up)) {
      await sleep(50);
    }
    if (!replica) return { status: 0, body: null }; // none came up in time
    replica.inFlight++;
    try {
      const response = await fetch(`http://127.0.0.1:${replica.port}${path}`, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      return { status: response.status, body: await response.json().catch(() => null) };
    } catch {
      return { status: 0, body: null };
    } finally {
      replica.inFlight--;
    }
  }

  /**
   * Ends every replica: SIGTERM (a graceful stop, as in production) with a SIGCONT first for a frozen one,
   * then SIGKILL for any still there after `graceMs`. Resolves with the ids of those that did not exit 0.
   */
  async stopAll(graceMs: number): Promise<string[]> {
    this.closed = true;
    const unclean: string[] = [];
    await Promise.all(
      this.all.map(async (replica) => {
        if (replica.state === 'gone') return;
        replica.state = 'out';
        replica.child.kill('SIGCONT');
        replica.child.kill('SIGTERM');
        const how = await Promise.race([replica.exited, sleep(graceMs).then(() => undefined)]);
        if (how === undefined) {
          replica.child.kill('SIGKILL');
          unclean.push(`${replica.id} (killed after ${graceMs} ms)`);
          await replica.exited;
        } else if (how !== 'exit code 0') {
          unclean.push(`${replica.id} (${how})`);
        }
      }),
    );
    return unclean;
  }

  /** Last resort (hard timeout, our own crash): SIGKILL every replica at once, without waiting. */
  killAllNow(): void {
    this.closed = true;
    for (const replica of this.all) {
      if (replica.state !== 'gone') replica.child.kill('SIGKILL');
      replica.state = 'gone'; // on purpose: stopAll need not report it
    }
  }
}

async function waitUntilReady(replica: Replica): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (replica.state === 'gone') {
      throw new Error(`replica ${replica.id} exited (${await replica.exited}) before it was ready; see its log`);
    }
    const status = await fetch(`http://127.0.0.1:${replica.port}/health/ready`, { signal: AbortSignal.timeout(2000) })
      .then((response) => response.status)
      .catch(() => 0);
    if (status === 200) return;
    if (Date.now() > deadline) {
      replica.child.kill('SIGKILL');
      throw new Error(`replica ${replica.id} was not ready within ${READY_TIMEOUT_MS} ms; see its log`);
    }
    await sleep(100);
  }
}

function pick<T>(items: T[]): T | undefined {
  return items[Math.floor(Math.random() * items.length)];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
