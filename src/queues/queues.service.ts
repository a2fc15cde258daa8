import { Injectable, Logger } from '@nestjs/common';
import type { TaskStatus, WaitingReason } from '../task-store/task.js';
import { DEFAULT_QUEUE, WAITING_REASONS, zeroCounts } from '../task-store/task.js';
import { TaskRepository } from '../task-store/task.repository.js';
import { QueueSettingsRepository } from './queue-settings.repository.js';
import type { QueueLimits, QueueSettings } from './queue-settings.repository.js';

export interface QueueView extends QueueSettings {
  counts: Record<TaskStatus, number>;
  /** Its queued tasks by why they wait (0 for each reason none has). */
  waiting: Record<WaitingReason, number>;
}

/** Named queues as operators see them: their settings and their tasks by status. */
@Injectable()
export class QueuesService {
  private readonly logger = new Logger(QueuesService.name);

  constructor(
    private readonly tasks: TaskRepository,
    private readonly settings: QueueSettingsRepository,
  ) {}

  /** Every queue that has tasks or settings, and `default` always, by name. */
  async list(): Promise<QueueView[]> {
    const [settings, counts, waiting] = await Promise.all([
      this.settings.list(),
      this.tasks.countByQueue(),
      this.tasks.countWaitingByQueue(),
    ]);
    const views = new Map<string, QueueView>();
    const viewOf = (name: string): QueueView => {
      let view = views.get(name);
      if (!view) {
        view = unsettledQueue(name);
        views.set(name, view);
      }
      return view;
    };
    viewOf(DEFAULT_QUEUE);
    for (const setting of settings) Object.assign(viewOf(setting.name), setting);
    for (const { queue, status, count } of counts) viewOf(queue).counts[status] = count;
    for (const { queue, reason, count } of waiting) viewOf(queue).waiting[reason] = count;
    return [...views.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<QueueView> {
    return (await this.list()).find((view) => view.name === name) ?? unsettledQueue(name);
  }

  /** Stops claiming from the queue on every replica; tasks already running go on. */
  async pause(name: string): Promise<QueueView> {
    await this.settings.setPaused(name, true);
    this.logger.log(`queue ${name} paused`);
    return this.get(name);
  }

  async resume(name: string): Promise<QueueView> {
    await this.settings.setPaused(name, false);
    this.logger.log(`queue ${name} resumed`);
    return this.get(name);
  }

  /** Sets (or, with null, lifts) the limits given: concurrency, per-key concurrency, rate; the others stay. */
  async limit(name: string, limits: QueueLimits): Promise<QueueView> {
    const settings = await this.settings.setLimits(name, limits);
    this.logger.log(`queue ${name}: ${describeLimits(settings)}`);
    return this.get(name);
  }
}

function describeLimits({ concurrency, keyConcurrency, rateLimit }: QueueSettings): string {
  const rate = rateLimit
    ? `${rateLimit.limit} starts per ${rateLimit.intervalMs} ms${rateLimit.perKey ? ' per key' : ''}`
    : 'unlimited';
  return `cluster-wide concurrency ${concurrency ?? 'unlimited'}, per key ${keyConcurrency ?? 'unlimited'}, rate ${rate}`;
}

/** A queue with no settings row and no tasks: unpaused, unlimited, empty. */
function unsettledQueue(name: string): QueueView {
  return {
    name,
    paused: false,
    concurrency: null,
    keyConcurrency: null,
    rateLimit: null,
    counts: zeroCounts(),
    waiting: Object.fromEntries(WAITING_REASONS.map((reason) => [reason, 0])) as Record<WaitingReason, number>,
  };
}
