import { LEASE_MS } from './replicas.js';
import { between, formatMs, sleep } from './timing.js';
const KILL_EVERY_MS = [3500, 6500];
const FREEZE_EVERY_MS = [7000, 13_000];
/** Longer than the lease, so that the frozen holder's tasks are taken over while it sleeps. */
const FREEZE_FOR_MS = LEASE_MS + 1500;
/**
 * The chaos itself: every few seconds a random replica is killed with SIGKILL and started again (new
 * REPLICA_ID); now and then one is frozen with SIGSTOP for longer than its lease, then woken with SIGCONT.
 * A fault always leaves at least one replica up, and never hits a replica that is starting or already out.
 */
export class ChaosMonkey {
    constructor(replicas, pool, log) {
        this.replicas = replicas;
        this.pool = pool;
        this.log = log;
        this.faults = [];
        this.kills = [];
    }
    /** Runs until `signal` fires; a restart under way is finished first, so every slot has a replica again. */
    async run(signal) {
        await Promise.all([
            this.every(KILL_EVERY_MS, signal, (victim) => this.killAndRestart(victim)),
            this.every(FREEZE_EVERY_MS, signal, (victim) => this.freeze(victim, signal)),
        ]);
    }
    get freezes() {
        return this.faults.filter((fault) => fault.kind === 'freeze').length;
    }
    async every([min, max], signal, fault) {
        for (;;) {
            await sleep(between(min, max), signal);
            if (signal.aborted)
                return;
            const up = this.replicas.up;
            if (up.length < 2)
                continue; // keep one serving requests
            await fault(up[Math.floor(Math.random() * up.length)]);
        }
    }
    async killAndRestart(victim) {
        await this.replicas.takeOut(victim);
        const at = new Date();
        victim.child.kill('SIGKILL');
        await victim.exited;
        this.faults.push({ replicaId: victim.id, kind: 'kill', startedAt: at, endedAt: new Date() });
        // Nothing can change these rows now but lease recovery, which waits LEASE_MS: this is what it held.
        const { rows } = await this.pool.query(`SELECT id FROM tasks WHERE status = 'running' AND worker_id LIKE $1 || '/%'`, [victim.id]);
        this.kills.push({ replicaId: victim.id, at, held: rows.map((row) => row.id) });
        const restarted = await this.replicas.start(victim.slot);
        this.log(`kill -9 ${victim.id} (held ${rows.length} running tasks); restarted as ${restarted.id} in ${formatMs(Date.now() - at.getTime())}`);
    }
    async freeze(victim, signal) {
        await this.replicas.takeOut(victim);
        const startedAt = new Date();
        victim.child.kill('SIGSTOP');
        await sleep(FREEZE_FOR_MS, signal); // woken early when the chaos ends
        victim.child.kill('SIGCONT');
        const endedAt = new Date();
        this.faults.push({ replicaId: victim.id, kind: 'freeze', startedAt, endedAt });
        if (victim.state === 'out')
            victim.state = 'up';
        this.log(`SIGSTOP ${victim.id} for ${formatMs(endedAt.getTime() - startedAt.getTime())}, then SIGCONT`);
    }
}
