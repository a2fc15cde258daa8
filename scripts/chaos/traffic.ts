import type pg from 'pg';
import { CHAOS_TASK_TYPE } from './chaos-payload.js';
import type { ChaosKind, ChaosPayload } from './chaos-payload.js';
import type { ReplicaSet } from './replicas.js';
import { between, sleep } from './timing.js';

/** One POST /tasks: its sequence number (payload.n), and the task id if it was answered 201. */
export interface Submission {
  n: number;
  kind: ChaosKind;
  status: number;
  id?: string;
}

/** One DELETE /tasks/:id and its answer: 200/202 promise `cancelled`, 409 says it had already ended. */
export interface StopRequest {
  id: string;
  status: number;
  /** The task as the answer showed it (200/202/409). */
  answered?: { status: string; attempt: number };
  /**
   * The task sat in a replica's claim buffer (`queued`, `buffered_by` set) right before the DELETE was sent:
   * its holder must cancel it unstarted, or abort it if it had just started it.
   */
  buffered: boolean;
}

/** How a task is submitted, and when (ms after its 201) it is stopped, if it is. */
interface Plan {
  payload: ChaosPayload;
  maxAttempts: number;
  runAt?: string;
  stopAfterMs?: number;
}

const TICK_MS = 100;
/** Submissions in flight at most; beyond it, the submitter falls behind rather than piling up requests. */
const MAX_IN_FLIGHT = 64;
/** How long a DELETE waits for a running task to stop before answering 202. */
const STOP_WAIT_MS = 2000;

/**
 * The mix: short 60 %, long 10 %, failing 15 % (1-3 failing attempts of 3: some end `failed`), stopped 15 %
 * (a third of those not due for 5 s, so that their DELETE finds them queued), and 3 % of the others stopped
 * too, which mostly finds them finished (409). At the default pace (50 a second) that keeps the 30 slots
 * about three-quarters busy, so the stops find tasks running as well as queued. Attempts: 5, so that a task
 * killed twice still ends on its own.
 */
function plan(n: number): Plan {
  const roll = Math.random();
  const maybeStop = Math.random() < 0.03 ? between(0, 300) : undefined;
  if (roll < 0.6)
    return { payload: { n, kind: 'short', ms: between(10, 100) }, maxAttempts: 5, stopAfterMs: maybeStop };
  if (roll < 0.7)
    return { payload: { n, kind: 'long', ms: between(1000, 5000) }, maxAttempts: 5, stopAfterMs: maybeStop };
  if (roll < 0.85) {
    const payload: ChaosPayload = { n, kind: 'fail', ms: between(10, 50), failTimes: between(1, 3) };
    return { payload, maxAttempts: 3, stopAfterMs: maybeStop };
  }
  const queued = Math.random() < 1 / 3;
  return {
    payload: { n, kind: 'stop', ms: between(3000, 8000) },
    maxAttempts: 5,
    runAt: queued ? new Date(Date.now() + 5000).toISOString() : undefined,
    stopAfterMs: queued ? between(0, 3000) : between(200, 2000),
  };
}

/**
 * Submits `total` chaos tasks at an even pace over `durationMs`, through random replicas, and stops some of
 * them with DELETE a little later. Keeps every answer for the check.
 */
export class Traffic {
  readonly submissions: Submission[] = [];
  readonly stops: StopRequest[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly replicas: ReplicaSet,
    /** The run database, read directly: was a task buffered right before its DELETE? */
    private readonly database: pg.Pool,
    private readonly total: number,
    private readonly durationMs: number,
  ) {}

  /** Submits until all are sent or the time is up, then waits for every answer, DELETEs included. */
  async run(): Promise<void> {
    const startedAt = Date.now();
    let sent = 0;
    while (sent < this.total && Date.now() - startedAt < this.durationMs) {
      const due = Math.min(this.total, Math.ceil((this.total * (Date.now() - startedAt + TICK_MS)) / this.durationMs));
      for (; sent < due && this.inFlight.size < MAX_IN_FLIGHT; sent++) this.track(this.submit(sent + 1));
      await sleep(TICK_MS);
    }
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    const tracked = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async submit(n: number): Promise<void> {
    const { payload, maxAttempts, runAt, stopAfterMs } = plan(n);
    const answer = await this.replicas.request('POST', '/tasks', {
      type: CHAOS_TASK_TYPE,
      payload,
      maxAttempts,
      runAt,
    });
    const id = answer.status === 201 ? (answer.body as { id: string }).id : undefined;
    this.submissions.push({ n, kind: payload.kind, status: answer.status, id });
    if (id === undefined || stopAfterMs === undefined) return;
    await sleep(stopAfterMs);
    await this.stop(id);
  }

  private async stop(id: string): Promise<void> {
    const buffered = await this.isBuffered(id);
    const answer = await this.replicas.request('DELETE', `/tasks/${id}?wait=${STOP_WAIT_MS}`);
    const task = (answer.status === 409 ? (answer.body as { task?: unknown }).task : answer.body) as
      { status: string; attempt: number } | undefined;
    const answered =
      task && typeof task.status === 'string' ? { status: task.status, attempt: task.attempt } : undefined;
    this.stops.push({ id, status: answer.status, answered, buffered });
  }

  /** One primary-key read; the task may leave the buffer just after it, so this samples, it does not fence. */
  private async isBuffered(id: string): Promise<boolean> {
    const { rows } = await this.database.query<{ buffered: boolean }>(
      `SELECT status = 'queued' AND buffered_by IS NOT NULL AS buffered FROM tasks WHERE id = $1`,
      [id],
    );
    return rows[0]?.buffered ?? false;
  }
}
