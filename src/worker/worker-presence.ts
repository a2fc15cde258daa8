import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import type { WorkerDescription } from '../workers/worker.js';
import { WorkersRepository } from '../workers/workers.repository.js';
import { TaskRunners } from './task-runners.js';

/**
 * This replica's row in the workers table (GET /workers): written when the supervisor starts, at each
 * of its heartbeats (the supervisor's lease-renewal timer beats for both, so a replica has one timer and
 * one more statement per LEASE_MS/3, whatever it runs), and marked gone when it stops cleanly. A replica
 * killed beats no more, and readers count it gone one lease after its last heartbeat.
 */
@Injectable()
export class WorkerPresence {
  private readonly logger = new Logger(WorkerPresence.name);
  private description: WorkerDescription | undefined;
  private beating: Promise<void> | undefined;
  private left = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runners: TaskRunners,
    private readonly workers: WorkersRepository,
  ) {}

  /**
   * Records this replica as alive now. Never throws: a beat that fails is logged, and the next one (a
   * third of a lease later) tries again before readers count it gone. A beat asked while one is in
   * flight is that one.
   */
  beat(): Promise<void> {
    if (this.left) return Promise.resolve();
    this.beating ??= this.workers
      .heartbeat(this.describe())
      .catch((error: Error) => this.logger.warn(`worker heartbeat failed: ${error.message}`))
      .finally(() => (this.beating = undefined));
    return this.beating;
  }

  /**
   * Marks this replica gone, once: after a beat in flight has landed, so that no late beat brings it
   * back. If the write fails, readers count it gone one lease after its last beat anyway.
   */
  async leave(): Promise<void> {
    if (this.left) return;
    this.left = true;
    await this.beating;
    try {
      await this.workers.markGone(this.config.replicaId);
    } catch (error) {
      this.logger.warn(`could not mark worker ${this.config.replicaId} gone: ${(error as Error).message}`);
    }
  }

  /** Made at the first beat: the task types are known once the runners are initialised. */
  private describe(): WorkerDescription {
    const queues = this.config.workerQueues;
    this.description ??= {
      id: this.config.replicaId,
      host: hostname(),
      pid: process.pid,
      version: PACKAGE_VERSION,
      startedAt: new Date(),
      taskTypes: [...this.runners.types].sort(),
      slots: this.config.workerConcurrency,
      queues: queues === null ? null : [...queues.keys()].sort(),
      queueLimits: Object.fromEntries(
        [...(queues ?? [])].flatMap(([queue, limit]) => (limit === null ? [] : [[queue, limit] as const])),
      ),
      leaseMs: this.config.leaseMs,
    };
    return this.description;
  }
}

/**
 * The version of the tasksystem package running here. package.json is two folders up from both
 * src/worker/ (tests) and dist/worker/ (the build, the image and an installed package).
 */
const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
