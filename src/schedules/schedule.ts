/** What a schedule does when an occurrence comes while the task of the previous one is still queued or running. */
export const OVERLAP_POLICIES = ['skip', 'allow'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** Where a schedule was declared: over the API, or in code (`SchedulesModule.forFeature`), upserted at start-up. */
export const SCHEDULE_SOURCES = ['api', 'code'] as const;
export type ScheduleSource = (typeof SCHEDULE_SOURCES)[number];

export const SCHEDULE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const SCHEDULE_NAME_RULE = '1-63 lower-case letters, digits or ._- starting with a letter or digit';

/** The task each occurrence submits, with every default already filled in at declaration. */
export interface ScheduledTask {
  type: string;
  payload: unknown;
  priority: number;
  maxAttempts: number;
  timeoutMs: number | null;
  queue: string;
  concurrencyKey: string | null;
}

/** A schedule as declared (over the API or in code), checked and with its defaults filled in. */
export interface ScheduleDefinition {
  name: string;
  cron: string;
  /** A canonical IANA zone name. */
  timezone: string;
  task: ScheduledTask;
  overlap: OverlapPolicy;
  paused: boolean;
}

/** A schedule as stored and as the API shows it. */
export interface Schedule extends ScheduleDefinition {
  source: ScheduleSource;
  /** The next occurrence it will submit; null while paused. */
  nextRunAt: Date | null;
  /** The occurrence its last submitted task was for. */
  lastRunAt: Date | null;
  lastTaskId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The idempotency key of the task one occurrence submits. The claim already makes one replica submit each
 * occurrence; the key (unique among tasks) makes a second submission of it impossible all the same.
 */
export const occurrenceKey = (name: string, occurrence: Date): string => `schedule:${name}:${occurrence.toISOString()}`;
