import type { OverlapPolicy } from './schedule.js';

/**
 * A schedule declared in code: the body of POST /schedules, checked by the same rules at start-up (a bad
 * one stops start-up, naming it). Not `paused`: pausing belongs to operators (PATCH /schedules/:name),
 * and a pause set over the API survives restarts.
 */
export interface ScheduleDeclaration {
  name: string;
  cron: string;
  /** IANA zone; default UTC. */
  timezone?: string;
  task: {
    type?: string;
    payload?: unknown;
    priority?: number;
    maxAttempts?: number;
    timeoutMs?: number | null;
    queue?: string;
    concurrencyKey?: string;
  };
  /** Default `skip`. */
  overlap?: OverlapPolicy;
}

/** The declarations of one `SchedulesModule.forFeature` call, found at start-up among the providers. */
export class DeclaredSchedules {
  constructor(readonly schedules: readonly ScheduleDeclaration[]) {}
}
