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
   * When it was handed in (performance.now(): a step of the wall clock must neither hold starts back nor
   * rush them): it is written START_WRITE_DELAY_MS later, and given up a lease later (the task is no longer
   * ours by then).
   */
  since: number;
  /** A write of it failed: perhaps it is written, so it cannot be taken back (withdraw) any more. */
  sent?: boolean;
  resolve: (recorded: RecordedStart) => void;
}

/** Starts recorded per statement at most. */
const MAX_BATCH = 500;
/**
 * How long a handler runs before its start is written: one that ends sooner has its start written with its
 * outcome (withdraw), one row write instead of two. Tasks of a few to tens of ms (an HTTP call) are common,
 * and on a busy database the second write of each was a third of its work. The price: for up to this long
 * GET /tasks still shows the task `queued` (buffered) while its handler runs, as it shows a task `running`
 * while its outcome is being written; `startedAt` is the handler's start all the same.
 */
export const START_WRITE_DELAY_MS = 50;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

/**
 * Group commit for the starts of buffered tasks, whose handlers run already (docs/design.md, "Claiming
 * ahead"): a start is written once its handler has run START_WRITE_DELAY_MS, together with every start that
 * has run half that long, one write in flight at a time, so a wave of starts costs one statement, not one
 * each, no slot waits for it, and a handler that ends sooner has its start written with its outcome instead.
 * A write that fails is tried again, for as long as the buffer's lease would last.
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
    private readonly delayMs = START_WRITE_DELAY_MS,
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
      this.schedule();
    });
  }

  /** Resolves once every start handed in so far is written or given up (a retry waits its delay). */
  async settled(): Promise<void> {
    while (this.pending.length > 0 || this.writing) {
      await (this.writing ?? new Promise((done) => setTimeout(done, this.retried ? this.retryDelayMs : 1)));
    }
  }

  /** Sets the next write for when the oldest start is due (after a failed write: its retry delay). */
  private schedule(): void {
    if (this.scheduled || this.writing || this.pending.length === 0) return;
    this.scheduled = true;
    const dueInMs = this.retried ? this.retryDelayMs : this.pending[0].since + this.delayMs - performance.now();
    // The write serves every start in it, not the request of the first.
    outsideAnyRequest(() =>
      setTimeout(
        () => {
          this.scheduled = false;
          this.writing = this.flush().finally(() => {
            this.writing = undefined;
            this.schedule();
          });
        },
        Math.max(0, dueInMs),
      ),
    );
  }

  private async flush(): Promise<void> {
    // Pending in the order they started (retries first, older still): those that ran half the delay go now.
    const halfDue = performance.now() - this.delayMs / 2;
    let count = 0;
    while (count < Math.min(MAX_BATCH, this.pending.length) && this.pending[count].since <= halfDue) count++;
    const batch = this.pending.splice(0, count);
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
