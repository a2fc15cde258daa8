import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { TaskRepository } from '../task-store/task.repository.js';
import { slotOfWorkerId } from '../task-store/worker-id.js';
import type { Claim, Claimed, ClaimedTask } from '../task-store/task.repository.js';
import { isClaimedOneByOne, QueueSettingsRepository } from '../queues/queue-settings.repository.js';

/**
 * Decides how a replica claims work for its free slots, queue by queue. Queues with a limit — a
 * cluster-wide one (`PUT /queues/:name`: concurrency, per-key concurrency, rate; in the queues table) or
 * this replica's own (`WORKER_QUEUES` `name:n`) — are claimed first, one at a time within their room;
 * everything else in one statement, the fast path a replica without limits always takes. Paused queues
 * are skipped by both statements. Only the fast path claims ahead into the buffer, and only on a replica
 * that works no limited queue: a task buffered from a limited queue would hold its room without running,
 * and buffered tasks would take the slots that the limited queues are offered first.
 */
@Injectable()
export class TaskClaimer {
  /**
   * Queues with a cluster-wide limit, which of them have a rate limit, and the paused ones, re-read at most
   * once per poll interval.
   */
  private limited: { readAt: number; queues: string[]; rateLimited: Set<string>; paused: Set<string> } = {
    readAt: -Infinity,
    queues: [],
    rateLimited: new Set(),
    paused: new Set(),
  };
  /** Claims made so far: the number in the mark of each claim's buffering (Claim). */
  private claims = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly tasks: TaskRepository,
    private readonly queueSettings: QueueSettingsRepository,
  ) {}

  /**
   * Claims tasks of `types` for `freeSlots`. `runningHere(queue)` counts this replica's tasks running in
   * a queue, for its own limits. `heldBack(inMs)` hears when a queue's rate limit left slots empty that
   * its tasks could have taken: its window lets another task start in `inMs`, sooner than the next poll.
   * `ahead`: how many tasks to claim beyond the free slots into the buffer, from queues without limits.
   * `leftOut`: task ids not to claim.
   */
  async claim(
    types: string[],
    freeSlots: number[],
    runningHere: (queue: string) => number,
    heldBack: (inMs: number) => void = () => undefined,
    ahead = 0,
    leftOut: string[] = [],
  ): Promise<Claimed> {
    const free = [...freeSlots];
    const buffering = `${this.config.replicaId}#${++this.claims}`;
    const claim = (slots: number[], claimAhead = 0): Claim => ({
      types,
      freeSlots: slots,
      ahead: claimAhead,
      replicaId: this.config.replicaId,
      leaseMs: this.config.leaseMs,
      buffering,
      leftOut,
    });
    const claimed: ClaimedTask[] = [];
    const ownLimits = this.ownLimits();
    const oneByOne = await this.queuesToClaimOneByOne(ownLimits);
    // With limited queues to serve, free slots go to them first in every round, as they always did; a
    // buffer would take those slots first and could keep them from the limited queues for good.
    if (oneByOne.length > 0) ahead = 0;
    for (const queue of oneByOne) {
      const room = Math.min(free.length, (ownLimits.get(queue) ?? Infinity) - runningHere(queue));
      if (room <= 0) continue;
      const offered = free.splice(0, room);
      const taken = await this.db.transaction(async (tx) => {
        const tasks = await this.tasks.claimFromQueue(claim(offered), queue, tx);
        if (tasks.length < offered.length && this.limited.rateLimited.has(queue)) {
          const inMs = await this.tasks.nextRateWindow(queue, tx);
          if (inMs !== null) heldBack(inMs);
        }
        return tasks;
      });
      const used = new Set(taken.map((task) => slotOfWorkerId(task.workerId ?? '')));
      free.unshift(...offered.filter((slot) => !used.has(slot)));
      claimed.push(...taken);
    }
    if (free.length === 0 && ahead === 0) return { started: claimed, buffered: [] };
    const works = this.config.workerQueues === null ? null : [...this.config.workerQueues.keys()];
    const { started, buffered } = await this.tasks.claim(claim(free, ahead), works, [...ownLimits.keys()]);
    return { started: [...claimed, ...started], buffered };
  }

  /**
   * Whether a task of `queue` taken from the buffer may start now, by the settings last read: its queue
   * is neither paused nor limited (claims of limited queues need their lock). A pause or a limit set since
   * the task was buffered so holds from the next read on, within a poll interval (refreshSettings).
   */
  mayStartBuffered(queue: string): boolean {
    return !this.limited.paused.has(queue) && !this.limited.queues.includes(queue) && !this.ownLimits().has(queue);
  }

  /** Re-reads the queues' settings if the last read is a poll interval old. */
  async refreshSettings(): Promise<void> {
    await this.clusterLimitedQueues();
  }

  /** WORKER_QUEUES entries with a limit of this replica's own. */
  private ownLimits(): Map<string, number> {
    const limits = new Map<string, number>();
    for (const [queue, limit] of this.config.workerQueues ?? []) if (limit !== null) limits.set(queue, limit);
    return limits;
  }

  private async queuesToClaimOneByOne(ownLimits: Map<string, number>): Promise<string[]> {
    const works = (queue: string): boolean => this.config.workerQueues?.has(queue) ?? true;
    const clusterLimited = (await this.clusterLimitedQueues()).filter(works);
    return [...new Set([...clusterLimited, ...ownLimits.keys()])].sort();
  }

  private async clusterLimitedQueues(): Promise<string[]> {
    if (Date.now() - this.limited.readAt >= this.config.pollIntervalMs) {
      // Timed from before the read, so the poll timer's refresh is not skipped every other tick.
      const readAt = Date.now();
      const settings = await this.queueSettings.list();
      this.limited = {
        readAt,
        queues: settings.filter(isClaimedOneByOne).map((queue) => queue.name),
        rateLimited: new Set(settings.filter((queue) => queue.rateLimit !== null).map((queue) => queue.name)),
        paused: new Set(settings.filter((queue) => queue.paused).map((queue) => queue.name)),
      };
    }
    return this.limited.queues;
  }
}
