import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import type { TaskStatus } from '../task-store/task.js';
import { zeroCounts } from '../task-store/task.js';
import { TaskNotificationsService } from '../task-store/task-notifications.service.js';
import { TaskRepository } from '../task-store/task.repository.js';
import type { EventStreamClient } from './event-stream-client.js';
import { outsideAnyRequest } from '../logging/request-context.js';

/** How often changed tasks are read and sent: one query per period per replica, however many clients. */
const FLUSH_MS = 200;
/** More changes than this in one period: clients are told to `resync` instead of sent each task. */
const MAX_TASKS_PER_FLUSH = 500;
/**
 * Counts by status read the whole status index: after a change they are read and sent at most this often,
 * or ten times as long as the last read took, whichever is longer, so a large table is not counted
 * back to back.
 */
const COUNTS_MIN_GAP_MS = 500;
const COUNTS_GAP_PER_READ_MS = 10;
const THROUGHPUT_EVERY_MS = 1000;
const KEEP_ALIVE_EVERY_MS = 15_000;
/** Streams one replica serves at once; more are refused with 503. */
export const MAX_STREAMS = 200;

/** Tasks finished on any replica since the last throughput event. */
const noneFinished = () => zeroCounts(['succeeded', 'failed', 'cancelled']);
type FinishedCounts = ReturnType<typeof noneFinished>;
type StatusCounts = Record<TaskStatus, number>;
/**
 * Counts as read when `changeGeneration` was `generation`, from a read that began at `readAt`: current until
 * a later change is heard, or until COUNTS_MAX_AGE has passed (changes nobody announces: retention).
 */
type CountsReading = { generation: number; readAt: number; counts: StatusCounts };

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
  private finished: FinishedCounts = noneFinished();
  /**
   * Bumped by every change this replica hears. Whoever reads the counts, and for whom, the streams are
   * sent fresh counts until they have been sent those of the latest generation: reading them for one
   * client or for `GET /tasks/counts` serves that reader, never stands in for the broadcast.
   */
  private changeGeneration = 0;
  private latestCounts: CountsReading | undefined;
  /** The reading the streams were last sent. */
  private broadcastReading: CountsReading | undefined;
  private lastBroadcastAt = 0;
  private lastReadMs = 0;
  private broadcastingCounts = false;
  private timers: NodeJS.Timeout[] = [];
  private flushing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly notifications: TaskNotificationsService,
    private readonly tasks: TaskRepository,
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
   * Tasks per status: the counts last read if nothing changed since (this replica hears every announced
   * change) and they are younger than COUNTS_MAX_AGE, else read now. For `GET /tasks/counts`, which a
   * page polls while its stream is down.
   */
  async counts(): Promise<StatusCounts> {
    return (await this.currentCounts()).counts;
  }

  /** Adds a client: it first gets `resync` (load what to show) and the current counts, then the changes. */
  async add(client: EventStreamClient): Promise<void> {
    this.clients.add(client);
    if (this.clients.size === 1) this.startTimers();
    client.send('resync', {});
    try {
      const { counts } = await this.currentCounts();
      if (this.clients.has(client)) client.send('counts', counts);
    } catch (error) {
      this.logger.warn(`could not count tasks for a new stream: ${(error as Error).message}`);
    }
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
    this.changeGeneration += 1;
    if (this.clients.size === 0 || this.tooManyChanges) return;
    for (const id of ids) this.changed.add(id);
    if (this.changed.size > MAX_TASKS_PER_FLUSH) {
      this.tooManyChanges = true;
      this.changed.clear();
    }
  };

  /** Notifications were missed while the LISTEN connection was down: clients re-read what they show. */
  private readonly onReconnected = (): void => {
    this.changeGeneration += 1;
    this.broadcast('resync', {});
  };

  private startTimers(): void {
    this.finished = noneFinished();
    // Started by the first stream's request, they serve every stream: they run under no request.
    this.timers = outsideAnyRequest(() => [
      setInterval(() => void this.flushChanges(), FLUSH_MS),
      setInterval(() => this.sendThroughput(), THROUGHPUT_EVERY_MS),
      setInterval(() => void this.broadcastCounts(), FLUSH_MS),
      setInterval(() => this.clients.forEach((client) => client.keepAlive()), KEEP_ALIVE_EVERY_MS),
    ]);
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
      for (const task of await this.tasks.getSummaries(ids)) this.broadcast('task', task);
    } catch (error) {
      this.logger.warn(`could not read changed tasks: ${(error as Error).message}; clients will resync`);
      this.tooManyChanges = true;
    } finally {
      this.flushing = false;
    }
  }

  private sendThroughput(): void {
    const finished = this.finished;
    this.finished = noneFinished();
    if (finished.succeeded + finished.failed + finished.cancelled === 0) return;
    this.broadcast('throughput', { at: new Date().toISOString(), ...finished });
  }

  /**
   * Sends the counts to every stream when those last sent no longer stand: a change was heard since, or
   * they have grown older than COUNTS_MAX_AGE.
   */
  private async broadcastCounts(): Promise<void> {
    const current = this.currentReading();
    if (this.broadcastingCounts || (current && current === this.broadcastReading)) return;
    const gapMs = Math.max(COUNTS_MIN_GAP_MS, COUNTS_GAP_PER_READ_MS * this.lastReadMs);
    if (Date.now() - this.lastBroadcastAt < gapMs) return;
    this.broadcastingCounts = true;
    try {
      const reading = await this.currentCounts();
      this.broadcast('counts', reading.counts);
      this.broadcastReading = reading;
      this.lastBroadcastAt = Date.now();
    } catch (error) {
      this.logger.warn(`could not count tasks: ${(error as Error).message}`);
    } finally {
      this.broadcastingCounts = false;
    }
  }

  /** The latest reading while it stands: no change heard since it began, and younger than COUNTS_MAX_AGE. */
  private currentReading(): CountsReading | undefined {
    const latest = this.latestCounts;
    const stands =
      latest?.generation === this.changeGeneration && Date.now() - latest.readAt < this.config.countsMaxAgeMs;
    return stands ? latest : undefined;
  }

  /** The counts read since the latest change heard and within COUNTS_MAX_AGE, or read now. */
  private async currentCounts(): Promise<CountsReading> {
    const current = this.currentReading();
    if (current) return current;
    // Taken before the read: a change heard while it runs makes this reading stale at once.
    const generation = this.changeGeneration;
    const readAt = Date.now();
    const counts = zeroCounts();
    for (const row of await this.tasks.countByStatus()) counts[row.status] = row.count;
    this.lastReadMs = Date.now() - readAt;
    const reading = { generation, readAt, counts };
    // Two reads can overlap; the one that began later saw more.
    const latest = this.latestCounts;
    if (!latest || (latest.generation <= generation && latest.readAt <= readAt)) this.latestCounts = reading;
    return reading;
  }

  private broadcast(event: string, data: unknown): void {
    for (const client of this.clients) client.send(event, data);
  }
}
