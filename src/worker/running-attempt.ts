import type { Task } from '../task-store/task.js';
import type { ClaimedTask, HeldAttempt } from '../task-store/task.repository.js';
import { slotOfWorkerId } from '../task-store/worker-id.js';
import { preciseNow } from '../task-store/precise-now.js';
import { AttemptTrace } from './attempt-trace.js';
import type { ClaimRound } from './attempt-trace.js';
import { TaskAbortReason } from './task-abort-reason.js';
import type { TaskAbortKind } from './task-abort-reason.js';

/** What a handler's run came to. `abandoned`: aborted, it did not end within its grace and was left behind. */
export type HandlerOutcome = { ok: true; value: unknown } | { ok: false; error: unknown; abandoned: boolean };

/**
 * One attempt this replica is running: the claimed task, its fencing token, its slot, its AbortSignal, and
 * its spans (in the trace the task was submitted in).
 */
export class RunningAttempt {
  /** The task as its handler sees it: without the trace context and the request id, which are ours. */
  readonly task: Task;
  /**
   * The request that submitted the task: the attempt runs under it (request-context.ts), so its log
   * lines, and its handler's, name that request.
   */
  readonly requestId: string | null;
  readonly held: HeldAttempt;
  readonly slot: number;
  /**
   * When its handler started, ms since the epoch with a fraction (preciseNow): a start written later is
   * dated from it, and tasks 1 ms apart must keep their order.
   */
  readonly startedAt = preciseNow();
  readonly trace: AttemptTrace;
  /**
   * Whether the database shows this attempt: at once for a task claimed into its slot; for one started
   * from the claim buffer, once StartRecorder wrote its start (false: the task was no longer ours). Its
   * lease is renewed, and its progress and outcome written, only then.
   */
  recorded: Promise<boolean> = Promise.resolve(true);
  isRecorded = true;
  /** Started from the claim buffer: the mark of the buffering it came from (BufferedClaim). */
  buffering: string | undefined;
  /**
   * Started from the buffer, its handler ended before its start was written: the start is written with
   * its outcome (FINISH_ATTEMPTS), and its row holds no lease to renew until then.
   */
  startGoesWithOutcome = false;
  private readonly controller = new AbortController();

  constructor(claimed: ClaimedTask, claim: ClaimRound = { startedAt: new Date(), endedAt: new Date(), claimed: 1 }) {
    const { traceContext, requestId, ...task } = claimed;
    this.task = task;
    this.requestId = requestId;
    const workerId = task.workerId as string; // a claimed task always has its holder
    this.held = { id: task.id, workerId, attempt: task.attempt };
    this.slot = slotOfWorkerId(workerId);
    this.trace = new AttemptTrace(task, traceContext, claim);
  }

  /**
   * Started from `buffering`, its start is being recorded: `recording` settles with whether it was written.
   */
  recordedBy(buffering: string, recording: Promise<boolean>): void {
    this.buffering = buffering;
    this.isRecorded = false;
    this.recorded = recording.then((recorded) => (this.isRecorded = recorded));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why it was aborted, if it was. The first reason wins. */
  get abortKind(): TaskAbortKind | undefined {
    return this.signal.aborted ? (this.signal.reason as TaskAbortReason).kind : undefined;
  }

  /** Fires the signal; returns false if it had already fired. */
  abort(kind: TaskAbortKind, message: string): boolean {
    if (this.signal.aborted) return false;
    const reason = new TaskAbortReason(kind, message);
    this.trace.aborted(reason);
    this.controller.abort(reason);
    return true;
  }
}
