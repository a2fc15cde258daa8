import type pg from 'pg';
import type { Fault, Kill } from './faults.js';
import type { StopRequest, Submission } from './traffic.js';

export interface DoubleRun {
  taskId: string;
  first: string;
  second: string;
}

/** What the database says after the run. The must-be-0 figures are listed in report.ts. */
export interface Figures {
  submitted: number;
  /** POSTs that got no answer (status 0) or another status than 201. */
  postsUnanswered: number;
  postsRefused: number;
  /** Of the unanswered POSTs, those whose task exists all the same (found by payload.n). */
  unansweredStored: number;
  /** Every task in the run database, by status. */
  byStatus: Map<string, number>;
  notTerminal: number;
  lost: number;
  executions: number;
  doubleRuns: DoubleRun[];
  overlapsExcused: number;
  /** DELETE answers by status ("0": none). */
  stopAnswers: Map<string, number>;
  stoppedNotCancelled: string[];
  /** DELETEs answered 200 with the task cancelled before any attempt (attempt 0): it must never run. */
  cancelledQueued: number;
  /** Of those, the tasks that an execution was recorded for all the same. */
  cancelledQueuedButRan: string[];
  writtenMoreThanOnce: string[];
  /**
   * Executions that started after their task had ended (finished_at; one machine, one clock): a handler run
   * for a terminal task, e.g. one cancelled in a buffer and started there all the same.
   */
  startedAfterEnd: string[];
  /** Per task held by a replica at its kill -9: ms until another replica started it again. */
  recoveryMs: number[];
  /** Tasks held at a kill that never ran again (taken back as cancelled or failed). */
  heldNotRerun: number;
  /** Tasks in a killed replica's claim buffer at its kill -9 (one per task and kill). */
  buffered: BufferedAtKills;
  /** DELETEs of tasks that were buffered right before the DELETE was sent. */
  bufferedStops: BufferedStops;
}

export interface BufferedAtKills {
  count: number;
  /** Not terminal after the run: lost with their buffer. */
  notEnded: string[];
  /** Started by the killed replica before the kill, their start not yet written: may run again elsewhere. */
  startedThere: number;
  /** The double runs (see OVERLAPS) among these tasks: a rerun must follow the killed execution, not overlap it. */
  doubleRuns: DoubleRun[];
  /** Per task: ms from the kill until another replica started it. */
  recoveryMs: number[];
  /** Those that never ran again after the kill (taken back as cancelled, say). */
  notRerun: number;
}

export interface BufferedStops {
  count: number;
  /** DELETE answers by status ("0": none). */
  answers: Map<string, number>;
  /** Answered 200/202 and ended `cancelled`. */
  cancelled: number;
  /** Of those, the ones no execution was recorded for: cancelled in the buffer, unstarted. */
  cancelledNeverRan: number;
  /** Answered 200/202, yet not `cancelled` at the end. */
  notCancelled: string[];
}

const TERMINAL = `('succeeded', 'failed', 'cancelled')`;

/**
 * Double-run, precisely. An execution is one row of chaos_executions: a handler run, from its start to its
 * end on its replica's clock (the machine's clock, like the fault times). An execution with no recorded
 * end ends when its process was reaped after a kill -9 if it was killed, else never (infinity).
 * Two executions A and B of one task, A starting first, overlap if B starts before A ends. The overlap is
 * excused only if A's replica process was frozen (SIGSTOP .. SIGCONT) at some moment in the LEASE_MS before
 * B started: that is the one way A's lease can lapse while A still runs, and A then runs on after SIGCONT
 * until its heartbeat learns the task was taken (which may be just after B started, hence "before B
 * started" rather than "during the overlap"). The reverse, B started by a replica just woken from a freeze
that outlasted the lease of a task it had buffered, is not excused (its SIGCONT is shown beside B): the
replica can tell from its own clock that the buffer's lease lapsed, and must not start it. A kill needs no excuse: a killed execution ends at the kill,
 * and its lease outlives the kill, so any takeover starts after it. Every other overlap is a double-run.
 */
const OVERLAPS = `
  WITH ex AS (
    SELECT e.id, e.task_id, e.replica_id, e.worker_id, e.attempt, e.started_at,
           COALESCE(e.finished_at,
                    (SELECT max(f.ended_at) FROM chaos_faults f WHERE f.kind = 'kill' AND f.replica_id = e.replica_id),
                    'infinity') AS ended_at
    FROM chaos_executions e
  )
  SELECT a.task_id AS "taskId",
         a.worker_id || ' attempt ' || a.attempt || ' from ' || a.started_at || ' to ' || a.ended_at AS first,
         b.worker_id || ' attempt ' || b.attempt || ' from ' || b.started_at || COALESCE((
           SELECT ', ' || round(extract(epoch FROM b.started_at - max(f.ended_at)) * 1000) || ' ms after its SIGCONT'
           FROM chaos_faults f
           WHERE f.kind = 'freeze' AND f.replica_id = b.replica_id
             AND f.ended_at BETWEEN b.started_at - $1 * interval '1 millisecond' AND b.started_at
         ), '') AS second,
         EXISTS (
           SELECT 1 FROM chaos_faults f
           WHERE f.kind = 'freeze' AND f.replica_id = a.replica_id
             AND f.started_at <= b.started_at AND f.ended_at >= b.started_at - $1 * interval '1 millisecond'
         ) AS excused
  FROM ex a JOIN ex b ON b.task_id = a.task_id AND (b.started_at, b.id) > (a.started_at, a.id)
  WHERE b.started_at < a.ended_at
  ORDER BY a.task_id`;

/** Stores the faults for the queries, then works out every figure from the database. */
export async function check(
  pool: pg.Pool,
  run: { submissions: Submission[]; stops: StopRequest[]; faults: Fault[]; kills: Kill[]; leaseMs: number },
): Promise<Figures> {
  const { submissions, stops, faults, kills, leaseMs } = run;
  await pool.query(
    `INSERT INTO chaos_faults (replica_id, kind, started_at, ended_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[])`,
    [
      faults.map((f) => f.replicaId),
      faults.map((f) => f.kind),
      faults.map((f) => f.startedAt),
      faults.map((f) => f.endedAt),
    ],
  );
  const query = async <Row extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<Row[]> =>
    (await pool.query<Row>(sql, params)).rows;

  const submittedIds = submissions.flatMap((s) => (s.id === undefined ? [] : [s.id]));
  const unanswered = submissions.filter((s) => s.status !== 201);
  const byStatus = new Map(
    (
      await query<{ status: string; count: number }>(`SELECT status, count(*)::int AS count FROM tasks GROUP BY status`)
    ).map((row) => [row.status, row.count]),
  );
  const [{ lost }] = await query<{ lost: number }>(
    `SELECT count(*)::int AS lost FROM unnest($1::bigint[]) AS s(id) WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = s.id)`,
    [submittedIds],
  );
  const [{ stored }] = await query<{ stored: number }>(
    `SELECT count(*)::int AS stored FROM tasks WHERE (payload->>'n')::int = ANY($1::int[])`,
    [unanswered.map((s) => s.n)],
  );
  const [{ executions }] = await query<{ executions: number }>(
    `SELECT count(*)::int AS executions FROM chaos_executions`,
  );
  const overlaps = await query<DoubleRun & { excused: boolean }>(OVERLAPS, [leaseMs]);

  const promisedCancel = stops.filter((s) => s.status === 200 || s.status === 202).map((s) => s.id);
  const stoppedNotCancelled = await query<{ id: string; status: string }>(
    `SELECT id, status FROM tasks WHERE id = ANY($1::bigint[]) AND status <> 'cancelled' ORDER BY id`,
    [promisedCancel],
  );
  const cancelledQueued = stops
    .filter((s) => s.status === 200 && s.answered?.status === 'cancelled' && s.answered.attempt === 0)
    .map((s) => s.id);
  const ranAnyway = await query<{ id: string }>(
    `SELECT DISTINCT task_id AS id FROM chaos_executions WHERE task_id = ANY($1::bigint[]) ORDER BY 1`,
    [cancelledQueued],
  );
  const writtenMoreThanOnce = await query<{ id: string; writes: number }>(
    `SELECT task_id AS id, count(*)::int AS writes FROM chaos_task_writes GROUP BY task_id HAVING count(*) > 1 ORDER BY 1`,
  );

  const startedAfterEnd = await query<{ id: string; worker: string; status: string; ms: number }>(
    `SELECT e.task_id AS id, e.worker_id AS worker, t.status,
            round(extract(epoch FROM e.started_at - t.finished_at) * 1000)::int AS ms
     FROM chaos_executions e JOIN tasks t ON t.id = e.task_id
     WHERE e.started_at > t.finished_at ORDER BY e.task_id`,
  );

  const held = kills.flatMap((kill) => kill.held.map((id) => ({ id, kill })));
  const recoveryMs = await rerunDelays(pool, held);
  const doubleRuns = overlaps.filter((o) => !o.excused);

  const stopAnswers = countAnswers(stops);
  const [{ notTerminal }] = await query<{ notTerminal: number }>(
    `SELECT count(*)::int AS "notTerminal" FROM tasks WHERE status NOT IN ${TERMINAL}`,
  );
  return {
    submitted: submittedIds.length,
    postsUnanswered: unanswered.filter((s) => s.status === 0).length,
    postsRefused: unanswered.filter((s) => s.status !== 0).length,
    unansweredStored: stored,
    byStatus,
    notTerminal,
    lost,
    executions,
    doubleRuns,
    overlapsExcused: overlaps.filter((o) => o.excused).length,
    stopAnswers,
    stoppedNotCancelled: stoppedNotCancelled.map((row) => `${row.id} (${row.status})`),
    cancelledQueued: cancelledQueued.length,
    cancelledQueuedButRan: ranAnyway.map((row) => row.id),
    writtenMoreThanOnce: writtenMoreThanOnce.map((row) => `${row.id} (${row.writes} writes)`),
    startedAfterEnd: startedAfterEnd.map(
      (row) => `${row.id} on ${row.worker}, ${row.ms} ms after it ended ${row.status}`,
    ),
    recoveryMs,
    heldNotRerun: held.length - recoveryMs.length,
    buffered: await bufferedAtKills(pool, kills, doubleRuns),
    bufferedStops: await bufferedStops(pool, stops),
  };
}

/** A task a killed replica held (running or buffered), and that kill. */
interface TakenAtKill {
  id: string;
  kill: Kill;
}

/** Per task taken at a kill, ms from the kill until an execution of it started (sorted; none: never rerun). */
async function rerunDelays(pool: pg.Pool, taken: TakenAtKill[]): Promise<number[]> {
  const { rows } = await pool.query<{ ms: number | null }>(
    `SELECT extract(epoch FROM (SELECT min(e.started_at) FROM chaos_executions e
                                WHERE e.task_id = k.id AND e.started_at > k.at) - k.at) * 1000 AS ms
     FROM unnest($1::bigint[], $2::timestamptz[]) AS k(id, at)`,
    [taken.map((t) => t.id), taken.map((t) => t.kill.at)],
  );
  return rows.flatMap((row) => (row.ms === null ? [] : [Number(row.ms)])).sort((a, b) => a - b);
}

/**
 * The tasks in killed replicas' buffers: each must end (the buffer's lease lapses, another replica takes
 * it), and none may overlap another execution of itself. One the killed replica had started just before
 * the kill (its handler runs at once, the start is written afterwards) is still `queued` and buffered in
 * the table, so it runs again elsewhere: a sequential rerun, which at-least-once allows.
 */
async function bufferedAtKills(pool: pg.Pool, kills: Kill[], doubleRuns: DoubleRun[]): Promise<BufferedAtKills> {
  const taken = kills.flatMap((kill) => kill.buffered.map((id) => ({ id, kill })));
  const ids = taken.map((t) => t.id);
  const { rows: notEnded } = await pool.query<{ id: string; status: string }>(
    `SELECT id, status FROM tasks WHERE id = ANY($1::bigint[]) AND status NOT IN ${TERMINAL} ORDER BY id`,
    [ids],
  );
  const {
    rows: [{ startedThere }],
  } = await pool.query<{ startedThere: number }>(
    `SELECT count(*)::int AS "startedThere" FROM unnest($1::bigint[], $2::text[]) AS k(id, replica_id)
     WHERE EXISTS (SELECT 1 FROM chaos_executions e WHERE e.task_id = k.id AND e.replica_id = k.replica_id)`,
    [ids, taken.map((t) => t.kill.replicaId)],
  );
  const recoveryMs = await rerunDelays(pool, taken);
  const bufferedIds = new Set(ids);
  return {
    count: taken.length,
    notEnded: notEnded.map((row) => `${row.id} (${row.status})`),
    startedThere,
    doubleRuns: doubleRuns.filter((run) => bufferedIds.has(String(run.taskId))),
    recoveryMs,
    notRerun: taken.length - recoveryMs.length,
  };
}

/** The DELETEs that found their task in a buffer: a 200 or 202 promises `cancelled`, as for any other. */
async function bufferedStops(pool: pg.Pool, stops: StopRequest[]): Promise<BufferedStops> {
  const sampled = stops.filter((stop) => stop.buffered);
  const promised = sampled.filter((s) => s.status === 200 || s.status === 202).map((s) => s.id);
  const { rows } = await pool.query<{ id: string; status: string; ran: boolean }>(
    `SELECT t.id, t.status, EXISTS (SELECT 1 FROM chaos_executions e WHERE e.task_id = t.id) AS ran
     FROM tasks t WHERE t.id = ANY($1::bigint[]) ORDER BY t.id`,
    [promised],
  );
  const cancelled = rows.filter((row) => row.status === 'cancelled');
  return {
    count: sampled.length,
    answers: countAnswers(sampled),
    cancelled: cancelled.length,
    cancelledNeverRan: cancelled.filter((row) => !row.ran).length,
    notCancelled: rows.filter((row) => row.status !== 'cancelled').map((row) => `${row.id} (${row.status})`),
  };
}

/** DELETE answers by status ("0": none). */
function countAnswers(stops: StopRequest[]): Map<string, number> {
  const answers = new Map<string, number>();
  for (const stop of stops) answers.set(String(stop.status), (answers.get(String(stop.status)) ?? 0) + 1);
  return answers;
}
