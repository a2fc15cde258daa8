import type { TaskProgress } from '../../task-store/task.js';

/**
 * Spacing of progress messages from a thread to the main thread. The main thread stores at most one value
 * per 250 ms anyway; this only keeps a handler that reports in a hot loop from burying the main thread's
 * event loop (the one that serves HTTP) in messages.
 */
export const THREAD_PROGRESS_INTERVAL_MS = 50;

/**
 * Inside a worker thread: passes progress on at most once per interval, the latest value winning. It works
 * without the event loop, because an isolated handler may never yield: a value due is posted within the
 * handler's own call. One reported too soon is held for the next call, or for a timer that fires once the
 * handler yields; when the task ends, a held value is dropped, as the main thread does.
 */
export class ThreadProgress {
  private pending: TaskProgress | undefined;
  private lastPostAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly post: (progress: TaskProgress) => void,
    private readonly intervalMs = THREAD_PROGRESS_INTERVAL_MS,
  ) {}

  report(progress: TaskProgress): void {
    this.pending = progress;
    const waitMs = this.lastPostAt + this.intervalMs - Date.now();
    if (waitMs <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), waitMs);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const progress = this.pending;
    this.pending = undefined;
    this.lastPostAt = Date.now();
    this.post(progress);
  }
}
