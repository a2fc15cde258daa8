import 'reflect-metadata';
import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import type { AppConfig } from '../../src/config/app-config.js';
import type { Task } from '../../src/task-store/task.js';
import type { TaskContext, TaskHandler as Handler } from '../../src/task-types/task-handler.js';
import { CHAOS_TASK_TYPE, payloadProblems } from './chaos-payload.js';
import type { ChaosPayload } from './chaos-payload.js';
import { fromDist } from './from-dist.js';

// Loaded before the classes below: their decorators use them.
const { TaskHandler } =
  await fromDist<typeof import('../../src/task-types/task-handler.js')>('task-types/task-handler.js');
const { APP_CONFIG } = await fromDist<typeof import('../../src/config/app-config.js')>('config/app-config.js');
const { abortableDelay } =
  await fromDist<typeof import('../../src/handlers/abortable-delay.js')>('handlers/abortable-delay.js');

/**
 * Writes every execution of a chaos task to chaos_executions (created by run.ts), once when the handler
 * starts and once when it ends, so the check can find two executions of one task that overlapped. The
 * times are this process's clock when the handler starts and ends, not when the row lands. Its own pool:
 * the app's connections are the service's business.
 */
@Injectable()
export class ExecutionRecorder implements OnApplicationShutdown {
  private readonly logger = new Logger('ChaosRecorder');
  private readonly pool: pg.Pool;
  private readonly replicaId: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.replicaId = config.replicaId;
    this.pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
    // A pooled connection that drops must not crash the replica through an unhandled 'error' event.
    this.pool.on('error', (error) => this.logger.warn(`idle connection failed: ${error.message}`));
  }

  async started(task: Task, at: Date): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO chaos_executions (task_id, worker_id, replica_id, attempt, started_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [task.id, task.workerId, this.replicaId, task.attempt, at],
    );
    return rows[0].id;
  }

  async finished(executionId: string, at: Date, outcome: string): Promise<void> {
    await this.pool.query(`UPDATE chaos_executions SET finished_at = $2, outcome = $3 WHERE id = $1`, [
      executionId,
      at,
      outcome,
    ]);
  }

  // After the supervisor's beforeApplicationShutdown, which waits for the running handlers that still record.
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** Acts out its payload's kind (chaos-payload.ts), recording the execution around it. */
@Injectable()
@TaskHandler({ type: CHAOS_TASK_TYPE, description: 'chaos test only: scripts/chaos/chaos-payload.ts' })
export class ChaosHandler implements Handler<ChaosPayload, { n: number; attempt: number }> {
  constructor(private readonly recorder: ExecutionRecorder) {}

  validatePayload(payload: unknown): string[] {
    return payloadProblems(payload);
  }

  async run(payload: ChaosPayload, { task, signal }: TaskContext): Promise<{ n: number; attempt: number }> {
    const executionId = await this.recorder.started(task, new Date());
    let outcome = 'threw';
    try {
      await abortableDelay(payload.ms, signal);
      if (payload.kind === 'fail' && task.attempt <= (payload.failTimes ?? 0)) {
        throw new Error(`chaos: attempt ${task.attempt} fails on purpose (the first ${payload.failTimes} do)`);
      }
      outcome = 'returned';
      return { n: payload.n, attempt: task.attempt };
    } catch (error) {
      if (signal.aborted) outcome = `aborted: ${(signal.reason as Error).message}`;
      throw error;
    } finally {
      await this.recorder.finished(executionId, new Date(), outcome);
    }
  }
}

@Module({ providers: [ExecutionRecorder, ChaosHandler] })
export class ChaosHandlersModule {}
