import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { TaskMetrics } from '../metrics/task-metrics.js';
import type { PeriodicJob } from './periodic-job.js';
import { PeriodicJobRunner } from './periodic-job-runner.js';

/** A job that records when its passes start and does what `pass` says (by default: nothing, at once). */
function recordingJob(
  settings: Partial<PeriodicJob> = {},
  pass: (index: number) => Promise<{ nextInMs?: number } | void> = () => Promise.resolve(),
) {
  const startedAt: number[] = [];
  const job: PeriodicJob = {
    name: 'test-job',
    enabled: true,
    intervalMs: 1000,
    runsAtStart: false,
    runOnce: () => {
      startedAt.push(Date.now());
      return pass(startedAt.length);
    },
    ...settings,
  };
  return { job, startedAt };
}

/** A pass that ends when `finish()` is called. */
function heldPass() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { done, finish: () => finish() };
}

/** The value of one series in the registry's text, e.g. `tasksystem_periodic_job_runs_total{job="test-job"}`. */
async function metric(metrics: TaskMetrics, series: string): Promise<number | undefined> {
  const line = (await metrics.registry.metrics()).split('\n').find((text) => text.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('PeriodicJobRunner', () => {
  const warn = jest.spyOn(Logger.prototype, 'warn');

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
    warn.mockReset().mockImplementation(() => undefined);
  });

  afterEach(() => jest.useRealTimers());

  afterAll(() => warn.mockRestore());

  function start(...jobs: PeriodicJob[]) {
    const metrics = new TaskMetrics();
    const runner = new PeriodicJobRunner(jobs, metrics);
    runner.onApplicationBootstrap();
    return { runner, metrics };
  }

  it('runs an enabled job one interval after start, then one interval after each pass; a disabled one never', async () => {
    const enabled = recordingJob();
    const disabled = recordingJob({ name: 'off', enabled: false });
    const { runner } = start(enabled.job, disabled.job);
    await jest.advanceTimersByTimeAsync(3500);
    expect(enabled.startedAt).toEqual([1000, 2000, 3000]);
    expect(disabled.startedAt).toEqual([]);
    await runner.onModuleDestroy();
  });

  it('runs a job at start when it asks to, and sooner than its interval when a pass asks', async () => {
    const { job, startedAt } = recordingJob({ runsAtStart: true }, (index) =>
      Promise.resolve(index === 1 ? { nextInMs: 250 } : { nextInMs: 5000 }),
    );
    const { runner } = start(job);
    await jest.advanceTimersByTimeAsync(2300);
    // 5000 is more than the interval: the interval wins.
    expect(startedAt).toEqual([0, 250, 1250, 2250]);
    await runner.onModuleDestroy();
  });

  it('logs and counts a failed pass, and runs the next one as usual', async () => {
    const { job, startedAt } = recordingJob({}, (index) =>
      index === 1 ? Promise.reject(new Error('connection refused')) : Promise.resolve(),
    );
    const { runner, metrics } = start(job);
    await jest.advanceTimersByTimeAsync(2000);
    expect(startedAt).toEqual([1000, 2000]);
    expect(warn).toHaveBeenCalledWith('test-job failed, next pass in 1000 ms: connection refused');
    expect(await metric(metrics, 'tasksystem_periodic_job_runs_total{job="test-job"}')).toBe(2);
    expect(await metric(metrics, 'tasksystem_periodic_job_failures_total{job="test-job"}')).toBe(1);
    expect(await metric(metrics, 'tasksystem_periodic_job_duration_seconds_count{job="test-job"}')).toBe(2);
    await runner.onModuleDestroy();
  });

  it('never overlaps passes: a slow pass delays the next until one interval after it ends', async () => {
    const slow = heldPass();
    const { job, startedAt } = recordingJob({}, (index) => (index === 1 ? slow.done : Promise.resolve()));
    const { runner } = start(job);
    await jest.advanceTimersByTimeAsync(5000);
    expect(startedAt).toEqual([1000]);
    slow.finish();
    await jest.advanceTimersByTimeAsync(1000);
    expect(startedAt).toEqual([1000, 6000]);
    await runner.onModuleDestroy();
  });

  it('on shutdown waits for the pass in progress, and starts no other', async () => {
    const slow = heldPass();
    const { job, startedAt } = recordingJob({}, () => slow.done);
    const { runner } = start(job);
    await jest.advanceTimersByTimeAsync(1000);
    let stopped = false;
    const stopping = runner.onModuleDestroy().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    slow.finish();
    await stopping;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(startedAt).toEqual([1000]);
  });
});
