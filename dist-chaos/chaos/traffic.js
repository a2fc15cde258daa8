import { CHAOS_TASK_TYPE } from './chaos-payload.js';
import { between, sleep } from './timing.js';
const TICK_MS = 100;
/** Submissions in flight at most; beyond it, the submitter falls behind rather than piling up requests. */
const MAX_IN_FLIGHT = 64;
/** How long a DELETE waits for a running task to stop before answering 202. */
const STOP_WAIT_MS = 2000;
/**
 * The mix: short 55 %, long 15 %, failing 15 % (1-3 failing attempts of 3: some end `failed`), stopped 15 %
 * (a third of those not due for 5 s, so that their DELETE finds them queued), and 3 % of the others stopped
 * too, which mostly finds them finished (409). Attempts: 5, so that a task killed twice still ends on its own.
 */
function plan(n) {
    const roll = Math.random();
    const maybeStop = Math.random() < 0.03 ? between(0, 300) : undefined;
    if (roll < 0.55)
        return { payload: { n, kind: 'short', ms: between(10, 100) }, maxAttempts: 5, stopAfterMs: maybeStop };
    if (roll < 0.7)
        return { payload: { n, kind: 'long', ms: between(1000, 5000) }, maxAttempts: 5, stopAfterMs: maybeStop };
    if (roll < 0.85) {
        const payload = { n, kind: 'fail', ms: between(10, 50), failTimes: between(1, 3) };
        return { payload, maxAttempts: 3, stopAfterMs: maybeStop };
    }
    const queued = Math.random() < 1 / 3;
    return {
        payload: { n, kind: 'stop', ms: between(3000, 8000) },
        maxAttempts: 5,
        runAt: queued ? new Date(Date.now() + 5000).toISOString() : undefined,
        stopAfterMs: queued ? between(0, 3000) : between(200, 3000),
    };
}
/**
 * Submits `total` chaos tasks at an even pace over `durationMs`, through random replicas, and stops some of
 * them with DELETE a little later. Keeps every answer for the check.
 */
export class Traffic {
    constructor(replicas, total, durationMs) {
        this.replicas = replicas;
        this.total = total;
        this.durationMs = durationMs;
        this.submissions = [];
        this.stops = [];
        this.inFlight = new Set();
    }
    /** Submits until all are sent or the time is up, then waits for every answer, DELETEs included. */
    async run() {
        const startedAt = Date.now();
        let sent = 0;
        while (sent < this.total && Date.now() - startedAt < this.durationMs) {
            const due = Math.min(this.total, Math.ceil((this.total * (Date.now() - startedAt + TICK_MS)) / this.durationMs));
            for (; sent < due && this.inFlight.size < MAX_IN_FLIGHT; sent++)
                this.track(this.submit(sent + 1));
            await sleep(TICK_MS);
        }
        while (this.inFlight.size > 0)
            await Promise.all([...this.inFlight]);
    }
    track(work) {
        const tracked = work.finally(() => this.inFlight.delete(tracked));
        this.inFlight.add(tracked);
    }
    async submit(n) {
        const { payload, maxAttempts, runAt, stopAfterMs } = plan(n);
        const answer = await this.replicas.request('POST', '/tasks', { type: CHAOS_TASK_TYPE, payload, maxAttempts, runAt });
        const id = answer.status === 201 ? answer.body.id : undefined;
        this.submissions.push({ n, kind: payload.kind, status: answer.status, id });
        if (id === undefined || stopAfterMs === undefined)
            return;
        await sleep(stopAfterMs);
        await this.stop(id);
    }
    async stop(id) {
        const answer = await this.replicas.request('DELETE', `/tasks/${id}?wait=${STOP_WAIT_MS}`);
        const task = (answer.status === 409 ? answer.body.task : answer.body);
        const answered = task && typeof task.status === 'string' ? { status: task.status, attempt: task.attempt } : undefined;
        this.stops.push({ id, status: answer.status, answered });
    }
}
