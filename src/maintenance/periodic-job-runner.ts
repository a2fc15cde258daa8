import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { TaskMetrics } from '../metrics/task-metrics.js';
import { PERIODIC_JOBS } from './periodic-job.js';
import type { PeriodicJob } from './periodic-job.js';

/**
 * One job's timer. A pass is scheduled only once the previous one has ended (a timeout, not an interval),
 * so a pass slower than the interval never overlaps the next.
 */
class JobLoop {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly job: PeriodicJob,
    private readonly metrics: TaskMetrics,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.wakeIn(this.job.runsAtStart ? 0 : this.job.intervalMs);
  }

  /** Stops the timer and waits for a pass in progress, so that it ends before the database pool closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
  }

  private wakeIn(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pass = this.runPass();
    }, ms);
  }

  private async runPass(): Promise<void> {
    const { name, intervalMs } = this.job;
    const endTimer = this.metrics.periodicJobDuration.startTimer({ job: name });
    let nextInMs = intervalMs;
    try {
      const asked = (await this.job.runOnce())?.nextInMs;
      if (asked !== undefined) nextInMs = Math.max(0, Math.min(intervalMs, asked));
    } catch (error) {
      this.metrics.periodicJobFailures.inc({ job: name });
      this.logger.warn(`${name} failed, next pass in ${nextInMs} ms: ${(error as Error).message}`);
    } finally {
      endTimer();
      this.metrics.periodicJobRuns.inc({ job: name });
    }
    this.wakeIn(nextInMs);
  }
}

/** Starts every enabled periodic job when the app has started, and stops them all when it shuts down. */
@Injectable()
export class PeriodicJobRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PeriodicJobRunner.name);
  private readonly loops: JobLoop[] = [];

  constructor(
    @Inject(PERIODIC_JOBS) private readonly jobs: PeriodicJob[],
    private readonly metrics: TaskMetrics,
  ) {}

  onApplicationBootstrap(): void {
    for (const job of this.jobs.filter((candidate) => candidate.enabled)) {
      const loop = new JobLoop(job, this.metrics, this.logger);
      this.loops.push(loop);
      loop.start();
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }
}
