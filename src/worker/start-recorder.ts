import { outsideAnyRequest } from '../logging/request-context.js';
import type { TaskRepository } from '../task-store/task.repository.js';

/** What recording a start came to: written (still ours), and whether a stop was asked for the task. */
export interface RecordedStart {
  recorded: boolean;
  stopRequested: boolean;
}

/**
 * A start from the buffer to record: its task, the buffering it leaves, its slot, the attempt it is, and
 * when its handler started (ms since the epoch).
 */
export interface StartToRecord {
  id: string;
  buffering: string;
  slot: number;
  attempt: number;
  startedAt: number;
}

interface PendingStart {
  start: StartToRecord;
  /**
   * When recording it was first tried (performance.now(), which a step of the wall clock does not move): it
   * is given up a lease later (the task is no longer ours by then).
   */
  since: number;
  /** A write of it failed: perhaps it is written, so it cannot be taken back (withdraw) any more. */
  sent?: boolean;
  resolve: (recorded: RecordedStart) => void;
}

/** Starts recorded per statement at most. */
const MAX_BATCH = 500;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

/**
 * Group commit for the starts of buffered tasks, whose handlers run already (docs/design.md, "Claiming
 * ahead"): one write in flight at a time, the starts that arrive meanwhile (or in the same turn of the event
 * loop, as the supervisor's fill of all freed slots does) go together in the next, so a wave of short tasks costs one statement, not one each, and no slot
 * waits for it. A write that fails is tried again, for as long as the buffer's lease would last.
 */
export class StartRecorder {
  private pending: PendingStart[] = [];
  private scheduled = false;
  private writing: Promise<void> | undefined;
  private retryDelayMs = RETRY_MIN_MS;
  /** The last write failed: the next waits retryDelayMs. */
  private retried = false;

  constructor(
    private readonly tasks: Pick<TaskRepository, 'recordStarts'>,
    private readonly replicaId: string,
    private readonly leaseMs: number,
  ) {}

  /**
   * Takes back a start not sent yet (its handler ended meanwhile: the start goes with the outcome, one
   * statement instead of two). Its record() resolves as recorded. False: it is being written already.
   */
  withdraw(id: string): boolean {
    const index = this.pending.findIndex(({ start }) => start.id === id);
    if (index < 0 || this.pending[index].sent) return false;
    const [withdrawn] = this.pending.splice(index, 1);
    withdrawn.resolve({ recorded: true, stopRequested: false });
    return true;
  }

  record(start: StartToRecord): Promise<RecordedStart> {
    return new Promise((resolve) => {
      this.pending.push({ start, since: performance.now(), resolve });
      this.schedule(0);
    });
  }

  /** Resolves once every start handed in so far is written or given up (a retry waits its delay). */
  async settled(): Promise<void> {
    while (this.pending.length > 0 || this.writing) {
      await (this.writing ?? new Promise((done) => setTimeout(done, this.retried ? this.retryDelayMs : 1)));
    }
  }

  private schedule(delayMs: number): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    const flush = (): void => {
      this.scheduled = false;
      this.writing = this.flush().finally(() => {
        this.writing = undefined;
        if (this.pending.length > 0) this.schedule(this.retried ? this.retryDelayMs : 0);
      });
    };
    // In the next turn of the event loop: a short handler that ends in this one takes its start back
    // (withdraw), and the starts of one fill of the slots go together. The write serves every task in it,
    // not the request of the first.
    outsideAnyRequest(() => (delayMs === 0 ? setImmediate(flush) : setTimeout(flush, delayMs)));
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    try {
      const recorded = await this.tasks.recordStarts(
        batch.map(({ start }) => start),
        this.replicaId,
        this.leaseMs,
      );
      this.retryDelayMs = RETRY_MIN_MS;
      this.retried = false;
      const stopRequested = new Map(recorded.map((row) => [row.id, row.stopRequested]));
      for (const { start, resolve } of batch) {
        const stop = stopRequested.get(start.id);
        resolve({ recorded: stop !== undefined, stopRequested: stop ?? false });
      }
    } catch {
      // Unwritten, or written and unanswered: tried again (a start already written is then no longer in the
      // buffer, so the retry leaves it out, and its holder aborts it: it is fenced like a lost lease).
      const now = performance.now();
      const kept = batch.filter((pending) => now - pending.since < this.leaseMs);
      for (const pending of kept) pending.sent = true;
      for (const pending of batch)
        if (!kept.includes(pending)) pending.resolve({ recorded: false, stopRequested: false });
      this.pending.unshift(...kept);
      this.retryDelayMs = this.retried ? Math.min(this.retryDelayMs * 2, RETRY_MAX_MS) : RETRY_MIN_MS;
      this.retried = true;
    }
  }
}
