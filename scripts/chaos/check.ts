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
  /** Per task held by a replica at its kill -9: ms until another replica started it again. */
  recoveryMs: number[];
  /** Tasks held at a kill that never ran again (taken back as cancelled or failed). */
  heldNotRerun: number;
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
 * started" rather than "during the overlap"). A kill needs no excuse: a killed execution ends at the kill,
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
         b.worker_id || ' attempt ' || b.attempt || ' from ' || b.started_at AS second,
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

  const held = kills.flatMap((kill) => kill.held.map((id) => ({ id, at: kill.at })));
  const reruns = await query<{ ms: number | null }>(
    `SELECT extract(epoch FROM (SELECT min(e.started_at) FROM chaos_executions e
                                WHERE e.task_id = k.id AND e.started_at > k.at) - k.at) * 1000 AS ms
     FROM unnest($1::bigint[], $2::timestamptz[]) AS k(id, at)`,
    [held.map((h) => h.id), held.map((h) => h.at)],
  );
  const recoveryMs = reruns.flatMap((row) => (row.ms === null ? [] : [Number(row.ms)])).sort((a, b) => a - b);

  const stopAnswers = new Map<string, number>();
  for (const stop of stops) stopAnswers.set(String(stop.status), (stopAnswers.get(String(stop.status)) ?? 0) + 1);
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
    doubleRuns: overlaps.filter((o) => !o.excused),
    overlapsExcused: overlaps.filter((o) => o.excused).length,
    stopAnswers,
    stoppedNotCancelled: stoppedNotCancelled.map((row) => `${row.id} (${row.status})`),
    cancelledQueued: cancelledQueued.length,
    cancelledQueuedButRan: ranAnyway.map((row) => row.id),
    writtenMoreThanOnce: writtenMoreThanOnce.map((row) => `${row.id} (${row.writes} writes)`),
    recoveryMs,
    heldNotRerun: held.length - recoveryMs.length,
  };
}
