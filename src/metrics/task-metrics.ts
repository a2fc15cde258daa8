import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric TaskSystem exports, in a registry of this app's own (not prom-client's global one, so that
 * several apps in one process, as in the tests, do not mix their figures). Gauges that need the database
 * or the supervisor are filled at scrape time by MetricsController.
 */
@Injectable()
export class TaskMetrics {
  readonly registry = new Registry();

  readonly submitted = new Counter({
    name: 'tasksystem_tasks_submitted_total',
    help: 'Tasks accepted by this replica, by type',
    labelNames: ['type'],
    registers: [this.registry],
  });

  readonly finished = new Counter({
    name: 'tasksystem_tasks_finished_total',
    help: 'Task outcomes written by this replica, by type and resulting status (queued: to be retried)',
    labelNames: ['type', 'status'],
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: 'tasksystem_task_attempt_duration_seconds',
    help: 'How long attempts ran on this replica, by type and resulting status',
    labelNames: ['type', 'status'],
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    registers: [this.registry],
  });

  readonly claimDuration = new Histogram({
    name: 'tasksystem_claim_duration_seconds',
    help: 'How long one claim statement took',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly stopLatency = new Histogram({
    name: 'tasksystem_stop_latency_seconds',
    help: 'From a DELETE of a running task to the task being cancelled, as seen by the replica that served it',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    registers: [this.registry],
  });

  readonly leaseRecoveries = new Counter({
    name: 'tasksystem_lease_recoveries_total',
    help: 'Tasks taken back from replicas that stopped renewing their lease, by resulting status',
    labelNames: ['status'],
    registers: [this.registry],
  });

  readonly periodicJobRuns = new Counter({
    name: 'tasksystem_periodic_job_runs_total',
    help: 'Passes of each periodic job (lease-recovery, task-retention, schedule-runner) on this replica, failed ones included',
    labelNames: ['job'],
    registers: [this.registry],
  });

  readonly periodicJobFailures = new Counter({
    name: 'tasksystem_periodic_job_failures_total',
    help: 'Passes of each periodic job that failed on this replica (logged; the next pass comes as usual)',
    labelNames: ['job'],
    registers: [this.registry],
  });

  readonly periodicJobDuration = new Histogram({
    name: 'tasksystem_periodic_job_duration_seconds',
    help: 'How long each pass of each periodic job took on this replica',
    labelNames: ['job'],
    buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60],
    registers: [this.registry],
  });

  readonly notifierReconnects = new Counter({
    name: 'tasksystem_notifier_reconnects_total',
    help: 'Times the LISTEN connection was lost and re-established',
    registers: [this.registry],
  });

  readonly running = new Gauge({
    name: 'tasksystem_tasks_running',
    help: 'Attempts running on this replica now',
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'tasksystem_queue_depth',
    help: 'Live tasks in the whole database, by status (read at most every few seconds)',
    labelNames: ['status'],
    registers: [this.registry],
  });

  readonly waiting = new Gauge({
    name: 'tasksystem_tasks_waiting',
    help: 'Queued tasks in the whole database, by queue and why they wait (read at most every few seconds)',
    labelNames: ['queue', 'reason'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts an outcome this replica wrote. */
  recordOutcome(task: { type: string; status: string }, durationMs: number): void {
    this.finished.inc({ type: task.type, status: task.status });
    this.duration.observe({ type: task.type, status: task.status }, durationMs / 1000);
  }
}
