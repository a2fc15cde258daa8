import type { BufferedClaim } from '../task-store/task.repository.js';

/**
 * A task claimed ahead into this replica's buffer: still `queued` in the database, held by `buffered_by`,
 * the mark of its claim's buffering.
 */
export interface BufferedTask {
  /** As the claim returned it (status `queued`, attempt not yet counted), with its buffering's mark. */
  task: BufferedClaim;
  /** When it entered the buffer (ms since the epoch): one that waited a whole heartbeat is handed back. */
  bufferedAt: number;
}

/**
 * How far back starts count towards the buffer's size: the buffer holds about what this replica starts in
 * that long, so a buffered task waits about that long at most while the replica keeps its pace, and a
 * replica whose slots hold long tasks buffers next to nothing.
 */
export const PREFETCH_HORIZON_MS = 250;

/**
 * The tasks this replica claimed ahead of its free slots, in the order they are to start (priority DESC,
 * then id, as the claim takes them), and how many more to claim. The buffer is sized by the pace of
 * starts: at most `limit` (WORKER_PREFETCH), at most what started in the last PREFETCH_HORIZON_MS, and it
 * is refilled only once it fell to half of that, so that claims stay few and large.
 */
export class ClaimBuffer {
  private tasks: BufferedTask[] = [];
  /** Starts of the last PREFETCH_HORIZON_MS: when, and how many. */
  private starts: { at: number; count: number }[] = [];

  constructor(
    private readonly limit: number,
    /** The replica's slots: starts beyond one per slot are what shows its slots turning over. */
    private readonly slots: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.tasks.length;
  }

  /**
   * Adds tasks a claim buffered. `claimedAt`: when that claim was sent (ms since the epoch), which their age
   * counts from: their buffer's deadline in the database was set after it, so a replica that stalled while
   * the claim was answered does not take them for fresh.
   */
  add(tasks: readonly BufferedClaim[], claimedAt: number = this.now()): void {
    this.putBack(tasks.map((task) => ({ task, bufferedAt: claimedAt })));
  }

  /** Removes and returns the next `count` tasks to start. */
  take(count: number): BufferedTask[] {
    return this.tasks.splice(0, count);
  }

  /**
   * Puts tasks in, in start order. A task already in is replaced: held again by a later claim (its earlier
   * buffering expired in a stall), only the later buffering's mark can still take it out.
   */
  private putBack(tasks: readonly BufferedTask[]): void {
    const incoming = new Set(tasks.map(({ task }) => task.id));
    this.tasks = this.tasks.filter(({ task }) => !incoming.has(task.id));
    this.tasks.push(...tasks);
    this.tasks.sort(startOrder);
  }

  /** Removes and returns the task with this id, if it is here. */
  remove(id: string): BufferedClaim | undefined {
    const index = this.tasks.findIndex(({ task }) => task.id === id);
    return index >= 0 ? this.tasks.splice(index, 1)[0].task : undefined;
  }

  /** Removes and returns the tasks buffered more than `ms` ago. */
  takeOlderThan(ms: number): BufferedClaim[] {
    const before = this.now() - ms;
    // Asked at every start: most often nothing is that old, and nothing need be copied.
    if (!this.tasks.some((task) => task.bufferedAt < before)) return [];
    const old = this.tasks.filter((task) => task.bufferedAt < before);
    this.tasks = this.tasks.filter((task) => task.bufferedAt >= before);
    return old.map(({ task }) => task);
  }

  takeAll(): BufferedClaim[] {
    return this.take(this.tasks.length).map(({ task }) => task);
  }

  /** Counts `count` tasks that started here now (from the buffer or claimed straight into a slot). */
  started(count: number): void {
    if (count > 0) this.starts.push({ at: this.now(), count });
  }

  /**
   * How many tasks to claim ahead now: none until the buffer fell to half its size, then up to that size.
   * The size is what the slots turned over lately: the starts of the last PREFETCH_HORIZON_MS beyond one
   * per slot. A replica whose slots each just took a task that runs on buffers nothing behind it.
   */
  wanted(): number {
    const since = this.now() - PREFETCH_HORIZON_MS;
    while (this.starts.length > 0 && this.starts[0].at < since) this.starts.shift();
    const recent = this.starts.reduce((sum, start) => sum + start.count, 0);
    const target = Math.min(this.limit, Math.max(0, recent - this.slots));
    return this.tasks.length * 2 <= target ? target - this.tasks.length : 0;
  }
}

/** Higher priority first, then the older (smaller id; ids are decimal strings of a bigint). */
function startOrder({ task: a }: BufferedTask, { task: b }: BufferedTask): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
