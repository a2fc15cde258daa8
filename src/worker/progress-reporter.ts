import type { TaskProgress } from '../task-store/task.js';

/** Longest progress message stored; a longer one is refused rather than cut, so the handler's author notices. */
export const MAX_PROGRESS_MESSAGE_LENGTH = 500;

/**
 * Checks what a handler passed to `reportProgress` and returns it as stored. Throws a TypeError inside the
 * handler for anything else, so a bad call fails loudly where it was made instead of storing nonsense.
 * Isolated handlers run the same check in their thread (it imports nothing but types).
 */
export function toTaskProgress(percent: unknown, message?: unknown): TaskProgress {
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new TypeError(`progress must be a number from 0 to 100, got ${describe(percent)}`);
  }
  if (message === undefined) return { percent };
  if (typeof message !== 'string') throw new TypeError(`progress message must be a string, got ${describe(message)}`);
  if (message.length > MAX_PROGRESS_MESSAGE_LENGTH) {
    throw new TypeError(`progress message must be at most ${MAX_PROGRESS_MESSAGE_LENGTH} characters`);
  }
  return { percent, message };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

export interface ProgressReporterOptions {
  /** Stores one value; resolves false once the attempt is no longer held, which ends reporting. */
  save: (progress: TaskProgress) => Promise<boolean>;
  /** A write that failed (the database is unreachable, say): progress is advisory, so it is only reported. */
  onError: (error: unknown) => void;
  /** At least this long between the starts of two writes. */
  intervalMs?: number;
}

/** Default spacing of progress writes: a chatty handler costs at most four UPDATEs a second per attempt. */
export const PROGRESS_WRITE_INTERVAL_MS = 250;

/**
 * Stores one attempt's progress, throttled: the first value is written at once, later ones at most once per
 * interval, and of the values reported meanwhile only the last is written. One write is in flight at a time,
 * so writes land in the order they were made. Nothing is flushed at the end: once the attempt ends, its
 * outcome is what matters, and a pending value is dropped.
 */
export class ProgressReporter {
  private readonly intervalMs: number;
  private pending: TaskProgress | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing = false;
  private lastWriteAt = -Infinity;
  private closed = false;

  constructor(private readonly options: ProgressReporterOptions) {
    this.intervalMs = options.intervalMs ?? PROGRESS_WRITE_INTERVAL_MS;
  }

  /** The handler's `reportProgress`. Throws a TypeError for a bad value; never waits for the database. */
  report(percent: unknown, message?: unknown): void {
    const progress = toTaskProgress(percent, message);
    if (this.closed) return;
    this.pending = progress;
    this.schedule();
  }

  /** The attempt has ended: drop whatever is pending and write nothing more. */
  close(): void {
    this.closed = true;
    this.pending = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.writing || this.closed || !this.pending) return;
    const waitMs = Math.max(0, this.lastWriteAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => void this.write(), waitMs);
  }

  private async write(): Promise<void> {
    this.timer = undefined;
    const progress = this.pending;
    if (!progress || this.closed) return;
    this.pending = undefined;
    this.writing = true;
    this.lastWriteAt = Date.now();
    try {
      if (!(await this.options.save(progress))) this.close();
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.writing = false;
      this.schedule();
    }
  }
}
