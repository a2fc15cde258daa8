import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import type { Task, TaskError } from '../queue/task.js';
import { TaskNotificationsService } from '../queue/task-notifications.service.js';
import { TaskQueueRepository } from '../queue/task-queue.repository.js';
import type { HeldAttempt } from '../queue/task-queue.repository.js';
import { TaskAbortReason } from './task-abort-reason.js';
import type { TaskAbortKind } from './task-abort-reason.js';
import { TaskHandlerRegistry } from './task-handler.registry.js';
import { retryDelayMs } from './retry-backoff.js';
import { describeOutcome } from './outcome-log.js';

/** One attempt this replica is running. */
interface RunningAttempt {
  task: Task;
  held: HeldAttempt;
  slot: number;
  controller: AbortController;
  /** Settles once the outcome is written (or deliberately not written). Never rejects. */
  finished: Promise<void>;
}

type HandlerOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const POLL_INTERVAL = 'worker-poll';
const HEARTBEAT_INTERVAL = 'worker-heartbeat';

/**
 * Runs tasks in WORKER_CONCURRENCY slots. It claims as many tasks as it has free slots — on a timer
 * (POLL_INTERVAL_MS), when a `task_wake` notification arrives, and whenever a slot frees up — gives each
 * attempt an AbortSignal, renews the leases of what it holds, and writes each outcome fenced by
 * (worker id, attempt), so an attempt that lost its lease cannot overwrite anything.
 */
@Injectable()
export class WorkerSupervisor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerSupervisor.name);
  private readonly running = new Map<string, RunningAttempt>();
  private readonly busySlots = new Set<number>();
  private claiming = false;
  private claimAgain = false;
  private started = false;
  private stopping = false;

  private readonly onWake = (): void => void this.fillSlots();
  private readonly onStop = (taskId: string): void => this.abort(taskId, 'stop', 'stopped on request');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: TaskQueueRepository,
    private readonly notifications: TaskNotificationsService,
    private readonly handlers: TaskHandlerRegistry,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  /** How many attempts this replica runs now. */
  get runningCount(): number {
    return this.running.size;
  }

  onApplicationBootstrap(): void {
    if (!this.config.workerEnabled) {
      this.logger.log('worker disabled (WORKER_ENABLED=false): this replica only serves the API');
      return;
    }
    this.notifications.on('wake', this.onWake);
    this.notifications.on('stop', this.onStop);
    this.scheduler.addInterval(POLL_INTERVAL, setInterval(this.onWake, this.config.pollIntervalMs));
    this.scheduler.addInterval(
      HEARTBEAT_INTERVAL,
      setInterval(() => void this.renewLeases(), Math.max(100, Math.floor(this.config.leaseMs / 3))),
    );
    this.started = true;
    this.logger.log(`worker ${this.config.replicaId} started with ${this.config.workerConcurrency} slots`);
    void this.fillSlots();
  }

  /**
   * Shutdown: stop claiming, give running attempts SHUTDOWN_GRACE_MS to finish, then abort the rest and
   * hand them back to the queue without counting the attempt.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    this.notifications.off('wake', this.onWake);
    this.scheduler.deleteInterval(POLL_INTERVAL);
    if (this.running.size > 0) {
      this.logger.log(
        `shutting down: waiting up to ${this.config.shutdownGraceMs} ms for ${this.running.size} task(s)`,
      );
      await withinMs(this.allFinished(), this.config.shutdownGraceMs);
      for (const taskId of this.running.keys()) this.abort(taskId, 'shutdown', 'replica is shutting down');
      await this.allFinished();
    }
    this.notifications.off('stop', this.onStop);
    this.scheduler.deleteInterval(HEARTBEAT_INTERVAL);
  }

  private allFinished(): Promise<unknown> {
    return Promise.all([...this.running.values()].map((attempt) => attempt.finished));
  }

  private freeSlots(): number[] {
    const free: number[] = [];
    for (let slot = 1; slot <= this.config.workerConcurrency; slot++) if (!this.busySlots.has(slot)) free.push(slot);
    return free;
  }

  /** Claims work for every free slot. Calls that arrive while a claim is in flight fold into one more round. */
  private async fillSlots(): Promise<void> {
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    try {
      do {
        this.claimAgain = false;
        const free = this.freeSlots();
        if (this.stopping || free.length === 0) break;
        const claimed = await this.queue.claim(this.handlers.types, free, this.config.replicaId, this.config.leaseMs);
        for (const task of claimed) this.start(task);
      } while (this.claimAgain);
    } catch (error) {
      this.logger.warn(`claim failed, retrying at the next poll: ${(error as Error).message}`);
    } finally {
      this.claiming = false;
    }
  }

  private start(task: Task): void {
    const workerId = task.workerId as string;
    const slot = Number(workerId.slice(workerId.lastIndexOf('/') + 1));
    const attempt: RunningAttempt = {
      task,
      held: { id: task.id, workerId, attempt: task.attempt },
      slot,
      controller: new AbortController(),
      finished: Promise.resolve(),
    };
    this.busySlots.add(slot);
    this.running.set(task.id, attempt);
    this.logger.log(
      `task ${task.id} (${task.type}) started, attempt ${task.attempt}/${task.maxAttempts} on ${workerId}`,
    );
    attempt.finished = this.execute(attempt).finally(() => {
      this.running.delete(task.id);
      this.busySlots.delete(slot);
      void this.fillSlots();
    });
  }

  private async execute(attempt: RunningAttempt): Promise<void> {
    const { task } = attempt;
    const startedAt = Date.now();
    const timeout =
      task.timeoutMs === null
        ? undefined
        : setTimeout(() => this.abort(task.id, 'timeout', `timed out after ${task.timeoutMs} ms`), task.timeoutMs);
    let outcome: HandlerOutcome;
    try {
      outcome = { ok: true, value: await this.runHandler(attempt) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      clearTimeout(timeout);
    }
    try {
      await this.writeOutcome(attempt, outcome, Date.now() - startedAt);
    } catch (error) {
      this.logger.error(`task ${task.id}: could not write its outcome: ${(error as Error).message}`);
    }
  }

  /**
   * Runs the handler until it settles — or, once the attempt is aborted, until its handler has had its
   * chance to end: no time for a shutdown (the task is handed back anyway), CANCEL_GRACE_MS otherwise. A
   * handler that ignores its signal therefore never holds a slot or a stop forever.
   */
  private async runHandler({ task, controller }: RunningAttempt): Promise<unknown> {
    const { handler } = this.handlers.find(task.type)!; // the claim takes only types this replica knows
    let graceTimer: NodeJS.Timeout | undefined;
    let onAbort = (): void => undefined;
    const abandoned = new Promise<never>((_, reject) => {
      onAbort = () => {
        const reason = controller.signal.reason as TaskAbortReason;
        const graceMs = reason.kind === 'shutdown' ? 0 : this.config.cancelGraceMs;
        graceTimer = setTimeout(() => {
          if (graceMs > 0) {
            this.logger.warn(
              `task ${task.id} (${task.type}) ignored its abort signal for ${graceMs} ms; abandoning it`,
            );
          }
          reject(reason);
        }, graceMs);
      };
      controller.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([handler.run(task.payload, { task, signal: controller.signal }), abandoned]);
    } finally {
      controller.signal.removeEventListener('abort', onAbort);
      clearTimeout(graceTimer);
    }
  }

  private async writeOutcome(attempt: RunningAttempt, outcome: HandlerOutcome, durationMs: number): Promise<void> {
    const { task, held, controller } = attempt;
    const abortKind = controller.signal.aborted ? (controller.signal.reason as TaskAbortReason).kind : undefined;
    let written: Task | undefined;
    switch (abortKind) {
      case 'lease-lost':
        this.logger.warn(`task ${task.id}: lease lost to another replica; its outcome is not written`);
        return;
      case 'shutdown':
        written = await this.queue.release(held);
        if (written?.status === 'queued') {
          this.logger.log(
            `task ${task.id} (${task.type}) handed back to the queue after ${durationMs} ms: the replica is shutting down`,
          );
          return;
        }
        break;
      case 'timeout':
        written = await this.queue.failAttempt(held, toTaskError(controller.signal.reason), this.retryDelay(task));
        break;
      case 'stop':
      case undefined:
        written = outcome.ok
          ? await this.queue.complete(held, outcome.value)
          : await this.queue.failAttempt(held, toTaskError(outcome.error), this.retryDelay(task));
        break;
      default:
        return assertNever(abortKind);
    }
    if (!written) {
      this.logger.warn(
        `task ${task.id}: attempt ${held.attempt} is no longer held by ${held.workerId}; outcome dropped`,
      );
      return;
    }
    const line = describeOutcome(written, durationMs);
    if (written.status === 'failed') this.logger.error(line, outcome.ok ? undefined : (outcome.error as Error)?.stack);
    else this.logger.log(line);
  }

  private retryDelay(task: Task): number {
    return retryDelayMs(task.attempt, this.config.retryBaseMs, this.config.retryMaxMs);
  }

  private abort(taskId: string, kind: TaskAbortKind, message: string): void {
    const attempt = this.running.get(taskId);
    if (!attempt || attempt.controller.signal.aborted) return;
    this.logger.log(`task ${taskId}: aborting (${message})`);
    attempt.controller.abort(new TaskAbortReason(kind, message));
  }

  /**
   * The heartbeat: renews the leases of held tasks, and re-reads their stop requests so that a stop
   * whose NOTIFY was missed still arrives within LEASE_MS / 3.
   */
  private async renewLeases(): Promise<void> {
    const attempts = [...this.running.values()];
    if (attempts.length === 0) return;
    try {
      const renewed = await this.queue.renewLeases(
        attempts.map((attempt) => attempt.held),
        this.config.leaseMs,
      );
      const stillHeld = new Map(renewed.map((row) => [row.id, row.stopRequested]));
      for (const { task } of attempts) {
        const stopRequested = stillHeld.get(task.id);
        if (stopRequested === undefined) this.abort(task.id, 'lease-lost', 'lease lost');
        else if (stopRequested) this.abort(task.id, 'stop', 'stopped on request');
      }
    } catch (error) {
      this.logger.warn(`lease renewal failed: ${(error as Error).message}`);
    }
  }
}

function toTaskError(error: unknown): TaskError {
  if (error instanceof Error) return { message: error.message || error.name, name: error.name };
  return { message: String(error) };
}

/** Waits for `work`, but no longer than `ms`; leaves no timer behind either way. */
async function withinMs(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected abort kind ${String(value)}`);
}
