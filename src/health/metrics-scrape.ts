import { Injectable } from '@nestjs/common';
import { TaskMetrics } from '../metrics/task-metrics.js';
import { TaskRepository } from '../task-store/task.repository.js';

/** Scrapes may come every few seconds from several collectors; the depth query runs at most this often. */
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

  /** The Prometheus text, with the queue depth read from the database when the last reading is old. */
  async text(): Promise<string> {
    if (Date.now() - this.depthReadAt > QUEUE_DEPTH_MAX_AGE_MS) {
      this.depthReadAt = Date.now();
      for (const { status, count } of await this.tasks.countLive()) this.metrics.queueDepth.set({ status }, count);
    }
    return this.metrics.registry.metrics();
  }
}
