import { Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { TaskStatus } from '../queue/task.js';
import { TASK_STATUSES } from '../queue/task.js';
import { TaskNotificationsService } from '../queue/task-notifications.service.js';
import { TaskQueueRepository } from '../queue/task-queue.repository.js';
import type { EventStreamClient } from './event-stream-client.js';

/** How often changed tasks are read and sent: one query per period per replica, however many clients. */
const FLUSH_MS = 200;
/** More changes than this in one period: clients are told to `resync` instead of sent each task. */
const MAX_TASKS_PER_FLUSH = 500;
/** Counts by status read the whole status index, so at most this often, and only after a change. */
const COUNTS_EVERY_MS = 2000;
const THROUGHPUT_EVERY_MS = 1000;
const KEEP_ALIVE_EVERY_MS = 15_000;
/** Streams one replica serves at once; more are refused with 503. */
export const MAX_STREAMS = 200;

type FinishedCounts = Record<'succeeded' | 'failed' | 'cancelled', number>;

/**
 * Feeds every open event stream of this replica from the task_events notifications, which every replica
 * receives for changes made anywhere. Per period it reads the changed tasks once and sends them to all
 * clients, so the cost is one query per period, not one per event per client. Nothing is read while no
 * client is connected.
 */
@Injectable()
export class TaskEventHub implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(TaskEventHub.name);
  private readonly clients = new Set<EventStreamClient>();
  private changed = new Set<string>();
  private tooManyChanges = false;
  private finished: FinishedCounts = { succeeded: 0, failed: 0, cancelled: 0 };
  private countsStale = true;
  private lastCounts: Record<TaskStatus, number> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private flushing = false;

  constructor(
    private readonly notifications: TaskNotificationsService,
    private readonly queue: TaskQueueRepository,
  ) {}

  onModuleInit(): void {
    this.notifications.on('changed', this.onChanged);
    this.notifications.on('reconnected', this.onReconnected);
  }

  /** Ends every stream before the HTTP server closes, which would otherwise wait for them forever. */
  beforeApplicationShutdown(): void {
    this.notifications.off('changed', this.onChanged);
    this.notifications.off('reconnected', this.onReconnected);
    this.stopTimers();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Tasks per status: the counts last read if nothing changed since (this replica hears every change),
   * else read now. For `GET /tasks/counts`, which a page polls while its stream is down.
   */
  async counts(): Promise<Record<TaskStatus, number>> {
    if (this.lastCounts && !this.countsStale) return this.lastCounts;
    const counts = await this.readCounts(true);
    return counts!;
  }

  /** Adds a client: it first gets `resync` (load what to show) and the current counts, then the changes. */
  async add(client: EventStreamClient): Promise<void> {
    this.clients.add(client);
    if (this.clients.size === 1) this.startTimers();
    client.send('resync', {});
    const counts = this.lastCounts && !this.countsStale ? this.lastCounts : await this.readCounts();
    if (counts && this.clients.has(client)) client.send('counts', counts);
  }

  remove(client: EventStreamClient): void {
    this.clients.delete(client);
    if (this.clients.size === 0) {
      this.stopTimers();
      this.changed.clear();
      this.tooManyChanges = false;
    }
  }

  private readonly onChanged = (status: TaskStatus, ids: string[]): void => {
    if (status === 'succeeded' || status === 'failed' || status === 'cancelled') this.finished[status] += ids.length;
    this.countsStale = true;
    if (this.clients.size === 0 || this.tooManyChanges) return;
    for (const id of ids) this.changed.add(id);
    if (this.changed.size > MAX_TASKS_PER_FLUSH) {
      this.tooManyChanges = true;
      this.changed.clear();
    }
  };

  /** Notifications were missed while the LISTEN connection was down: clients re-read what they show. */
  private readonly onReconnected = (): void => {
    this.countsStale = true;
    this.broadcast('resync', {});
  };

  private startTimers(): void {
    this.finished = { succeeded: 0, failed: 0, cancelled: 0 };
    this.timers = [
      setInterval(() => void this.flushChanges(), FLUSH_MS),
      setInterval(() => this.sendThroughput(), THROUGHPUT_EVERY_MS),
      setInterval(() => void this.sendCounts(), COUNTS_EVERY_MS),
      setInterval(() => this.clients.forEach((client) => client.keepAlive()), KEEP_ALIVE_EVERY_MS),
    ];
  }

  private stopTimers(): void {
    this.timers.forEach(clearInterval);
    this.timers = [];
  }

  private async flushChanges(): Promise<void> {
    if (this.flushing) return;
    if (this.tooManyChanges) {
      this.tooManyChanges = false;
      this.broadcast('resync', {});
      return;
    }
    if (this.changed.size === 0) return;
    const ids = [...this.changed];
    this.changed = new Set();
    this.flushing = true;
    try {
      for (const task of await this.queue.getSummaries(ids)) this.broadcast('task', task);
    } catch (error) {
      this.logger.warn(`could not read changed tasks: ${(error as Error).message}; clients will resync`);
      this.tooManyChanges = true;
    } finally {
      this.flushing = false;
    }
  }

  private sendThroughput(): void {
    const finished = this.finished;
    this.finished = { succeeded: 0, failed: 0, cancelled: 0 };
    if (finished.succeeded + finished.failed + finished.cancelled === 0) return;
    this.broadcast('throughput', { at: new Date().toISOString(), ...finished });
  }

  private async sendCounts(): Promise<void> {
    if (!this.countsStale) return;
    const counts = await this.readCounts();
    if (counts) this.broadcast('counts', counts);
  }

  /** Reads the counts; a failure is logged and gives undefined, or, with `rethrow`, is thrown. */
  private async readCounts(rethrow = false): Promise<Record<TaskStatus, number> | undefined> {
    this.countsStale = false;
    try {
      const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
      for (const row of await this.queue.countByStatus()) counts[row.status] = row.count;
      this.lastCounts = counts;
      return counts;
    } catch (error) {
      this.countsStale = true;
      if (rethrow) throw error;
      this.logger.warn(`could not count tasks: ${(error as Error).message}`);
      return undefined;
    }
  }

  private broadcast(event: string, data: unknown): void {
    for (const client of this.clients) client.send(event, data);
  }
}
