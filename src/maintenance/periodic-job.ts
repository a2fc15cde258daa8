/** Injection token: the periodic jobs PeriodicJobRunner runs (listed in MaintenanceModule). */
export const PERIODIC_JOBS = Symbol('PeriodicJobs');

/**
 * Background work every replica repeats: lease recovery, retention, the schedule runner. A job says what
 * one pass does and how often; PeriodicJobRunner owns the timer for all of them: one pass at a time, the
 * next one `intervalMs` after the previous one ended, a failed pass logged and counted (the next comes as
 * usual), and no pass left running once the app shuts down.
 */
export interface PeriodicJob {
  /** Names it in logs and in the `job` label of the tasksystem_periodic_job_* metrics. */
  readonly name: string;
  /** Whether this replica runs it; read once, at start-up. */
  readonly enabled: boolean;
  /** From the end of one pass to the start of the next. */
  readonly intervalMs: number;
  /** True: the first pass runs at start-up; false: one interval later. */
  readonly runsAtStart: boolean;
  /** One pass. It may ask for the next one sooner than `intervalMs` (the schedule runner wakes when a schedule is due). */
  runOnce(): Promise<{ nextInMs?: number } | void>;
}
