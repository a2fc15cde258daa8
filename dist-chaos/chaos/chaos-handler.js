var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
import 'reflect-metadata';
import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import pg from 'pg';
import { CHAOS_TASK_TYPE, payloadProblems } from './chaos-payload.js';
import { fromDist } from './from-dist.js';
// Loaded before the classes below: their decorators use them.
const { TaskHandler } = await fromDist('worker/task-handler.js');
const { APP_CONFIG } = await fromDist('config/app-config.js');
const { abortableDelay } = await fromDist('handlers/abortable-delay.js');
/**
 * Writes every execution of a chaos task to chaos_executions (created by run.ts), once when the handler
 * starts and once when it ends, so the check can find two executions of one task that overlapped. The
 * times are this process's clock when the handler starts and ends, not when the row lands. Its own pool:
 * the app's connections are the service's business.
 */
let ExecutionRecorder = class ExecutionRecorder {
    constructor(config) {
        this.logger = new Logger('ChaosRecorder');
        this.replicaId = config.replicaId;
        this.pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
        // A pooled connection that drops must not crash the replica through an unhandled 'error' event.
        this.pool.on('error', (error) => this.logger.warn(`idle connection failed: ${error.message}`));
    }
    async started(task, at) {
        const { rows } = await this.pool.query(`INSERT INTO chaos_executions (task_id, worker_id, replica_id, attempt, started_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`, [task.id, task.workerId, this.replicaId, task.attempt, at]);
        return rows[0].id;
    }
    async finished(executionId, at, outcome) {
        await this.pool.query(`UPDATE chaos_executions SET finished_at = $2, outcome = $3 WHERE id = $1`, [
            executionId,
            at,
            outcome,
        ]);
    }
    // After the supervisor's beforeApplicationShutdown, which waits for the running handlers that still record.
    async onApplicationShutdown() {
        await this.pool.end();
    }
};
ExecutionRecorder = __decorate([
    Injectable(),
    __param(0, Inject(APP_CONFIG)),
    __metadata("design:paramtypes", [Object])
], ExecutionRecorder);
export { ExecutionRecorder };
/** Acts out its payload's kind (chaos-payload.ts), recording the execution around it. */
let ChaosHandler = class ChaosHandler {
    constructor(recorder) {
        this.recorder = recorder;
    }
    validatePayload(payload) {
        return payloadProblems(payload);
    }
    async run(payload, { task, signal }) {
        const executionId = await this.recorder.started(task, new Date());
        let outcome = 'threw';
        try {
            await abortableDelay(payload.ms, signal);
            if (payload.kind === 'fail' && task.attempt <= (payload.failTimes ?? 0)) {
                throw new Error(`chaos: attempt ${task.attempt} fails on purpose (the first ${payload.failTimes} do)`);
            }
            outcome = 'returned';
            return { n: payload.n, attempt: task.attempt };
        }
        catch (error) {
            if (signal.aborted)
                outcome = `aborted: ${signal.reason.message}`;
            throw error;
        }
        finally {
            await this.recorder.finished(executionId, new Date(), outcome);
        }
    }
};
ChaosHandler = __decorate([
    Injectable(),
    TaskHandler({ type: CHAOS_TASK_TYPE, description: 'chaos test only: scripts/chaos/chaos-payload.ts' }),
    __metadata("design:paramtypes", [ExecutionRecorder])
], ChaosHandler);
export { ChaosHandler };
let ChaosHandlersModule = class ChaosHandlersModule {
};
ChaosHandlersModule = __decorate([
    Module({ providers: [ExecutionRecorder, ChaosHandler] })
], ChaosHandlersModule);
export { ChaosHandlersModule };
