import { Injectable } from '@nestjs/common';
import { TaskMetrics } from '../metrics/task-metrics.js';
import { TaskRepository } from '../task-store/task.repository.js';

/**
 * Scrapes may come every few seconds from several collectors; the depth and waiting queries run at most
 * this often (the waiting one reads the queued tasks, grouped: COUNT_WAITING_BY_QUEUE).
 */
const QUEUE_DEPTH_MAX_AGE_MS = 5000;

/** What both /metrics routes serve: the main port's (behind the API key) and METRICS_PORT's (open). */
@Injectable()
export class MetricsScrape {
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  private depthReadAt = 0;

  constructor(
    private readonly metrics: TaskMetrics,
    private readonly tasks: TaskRepository,
  ) {}

  /** The Prometheus text, with the queue depth and waiting reasons read from the database when the last reading is old. */
  async text(): Promise<string> {
    if (Date.now() - this.depthReadAt > QUEUE_DEPTH_MAX_AGE_MS) {
      this.depthReadAt = Date.now();
      const [live, waiting] = await Promise.all([this.tasks.countLive(), this.tasks.countWaitingByQueue()]);
      for (const { status, count } of live) this.metrics.queueDepth.set({ status }, count);
      // Reset first: a queue or reason with no task any more must not keep its last figure.
      this.metrics.waiting.reset();
      for (const { queue, reason, count } of waiting) this.metrics.waiting.set({ queue, reason }, count);
    }
    return this.metrics.registry.metrics();
  }
}
