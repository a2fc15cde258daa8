import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type pg from 'pg';
import { LEASE_MS } from './replicas.js';
import type { Replica, ReplicaSet } from './replicas.js';
import { between, formatMs, sleep } from './timing.js';

/** A fault caused to one replica process, as chaos_faults stores it (chaos-schema.ts). */
export interface Fault {
  replicaId: string;
  kind: 'kill' | 'freeze';
  startedAt: Date;
  endedAt: Date;
}

/**
 * A kill -9, with the tasks its replica held at that moment: another replica must take them over.
 * `held`: running there (its worker id). `buffered`: claimed ahead into its buffer, still `queued` with
 * `buffered_by` the mark of one of its claims (`<REPLICA_ID>#<claim number>`); some of these it may have
 * started just before the kill without the start being written yet, so they may run again elsewhere
 * (at-least-once), but never at the same time.
 */
export interface Kill {
  replicaId: string;
  at: Date;
  held: string[];
  buffered: string[];
}

const KILL_EVERY_MS = [3500, 6500] as const;
const FREEZE_EVERY_MS = [7000, 13_000] as const;
/** Longer than the lease, so that the frozen holder's tasks are taken over while it sleeps. */
const FREEZE_FOR_MS = LEASE_MS + 1500;

/**
 * The chaos itself: every few seconds a random replica is killed with SIGKILL and started again (new
 * REPLICA_ID); now and then one is frozen with SIGSTOP for longer than its lease, then woken with SIGCONT.
 * A fault always leaves at least one replica up, and never hits a replica that is starting or already out.
 */
export class ChaosMonkey {
  readonly faults: Fault[] = [];
  readonly kills: Kill[] = [];

  constructor(
    private readonly replicas: ReplicaSet,
    private readonly pool: pg.Pool,
    private readonly log: (message: string) => void,
  ) {}

  /** Runs until `signal` fires; a fault under way is finished first, so every slot has a replica up again. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([
      this.every(KILL_EVERY_MS, signal, (victim) => this.killAndRestart(victim)),
      this.every(FREEZE_EVERY_MS, signal, (victim) => this.freeze(victim)),
    ]);
  }

  get freezes(): number {
    return this.faults.filter((fault) => fault.kind === 'freeze').length;
  }

  private async every(
    [min, max]: readonly [number, number],
    signal: AbortSignal,
    fault: (victim: Replica) => Promise<void>,
  ): Promise<void> {
    for (;;) {
      await sleep(between(min, max), signal);
      if (signal.aborted) return;
      const up = this.replicas.up;
      if (up.length < 2) continue; // keep one serving requests
      await fault(up[Math.floor(Math.random() * up.length)]);
    }
  }

  private async killAndRestart(victim: Replica): Promise<void> {
    await this.replicas.takeOut(victim);
    const at = new Date();
    victim.child.kill('SIGKILL');
    await victim.exited;
    this.faults.push({ replicaId: victim.id, kind: 'kill', startedAt: at, endedAt: new Date() });
    // Nothing can change these rows now but lease recovery (of running tasks and of the buffer alike), which
    // waits for lease_expires_at: this is what it held. One statement, so both lists are of one moment.
    const { rows } = await this.pool.query<{ id: string; buffered: boolean }>(
      `SELECT id, status = 'queued' AS buffered FROM tasks
       WHERE (status = 'running' AND worker_id LIKE $1 || '/%') OR (status = 'queued' AND starts_with(buffered_by, $1 || '#'))`,
      [victim.id],
    );
    const held = rows.filter((row) => !row.buffered).map((row) => row.id);
    const buffered = rows.filter((row) => row.buffered).map((row) => row.id);
    this.kills.push({ replicaId: victim.id, at, held, buffered });
    const restarted = await this.replicas.start(victim.slot);
    this.log(
      `kill -9 ${victim.id} (held ${held.length} running and ${buffered.length} buffered tasks); restarted as ${restarted.id} in ${formatMs(Date.now() - at.getTime())}`,
    );
  }

  /** Lasts its whole time even if the chaos ends meanwhile: every freeze counted outlasts the lease. */
  private async freeze(victim: Replica): Promise<void> {
    await this.replicas.takeOut(victim);
    const thaw = thawIfWeDie(victim);
    const startedAt = new Date();
    victim.child.kill('SIGSTOP');
    await sleep(FREEZE_FOR_MS);
    victim.child.kill('SIGCONT');
    thaw.stdin?.end();
    const endedAt = new Date();
    this.faults.push({ replicaId: victim.id, kind: 'freeze', startedAt, endedAt });
    if (victim.state === 'out') victim.state = 'up';
    this.log(`SIGSTOP ${victim.id} for ${formatMs(endedAt.getTime() - startedAt.getTime())}, then SIGCONT`);
  }
}

/**
 * A frozen replica cannot notice that we died (replica.ts), so a tiny shell of its own waits for the end of
 * a pipe only we hold, which the OS closes however we end, and then wakes the replica, which then stops.
 * Ending the pipe ourselves after SIGCONT makes it exit (its SIGCONT is then a no-op).
 */
function thawIfWeDie(victim: Replica): ChildProcess {
  const thaw = spawn(
    '/bin/sh',
    ['-c', 'read -r _; kill -CONT "$1" 2>/dev/null', 'chaos-thaw', String(victim.child.pid)],
    {
      detached: true, // not in our process group: a Ctrl-C must not end it before it is needed
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  thaw.stdin?.on('error', () => undefined);
  thaw.unref();
  return thaw;
}
