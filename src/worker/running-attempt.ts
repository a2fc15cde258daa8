import type { Task } from '../task-store/task.js';
import type { HeldAttempt } from '../task-store/task.repository.js';
import { slotOfWorkerId } from '../task-store/worker-id.js';
import { TaskAbortReason } from './task-abort-reason.js';
import type { TaskAbortKind } from './task-abort-reason.js';

/** What a handler's run came to. `abandoned`: aborted, it did not end within its grace and was left behind. */
export type HandlerOutcome = { ok: true; value: unknown } | { ok: false; error: unknown; abandoned: boolean };

/** One attempt this replica is running: the claimed task, its fencing token, its slot and its AbortSignal. */
export class RunningAttempt {
  readonly task: Task;
  /**
   * The request that submitted the task: the attempt runs under it (request-context.ts), so its log
   * lines, and its handler's, name that request. Not part of the task its handler sees.
   */
  readonly requestId: string | null;
  readonly held: HeldAttempt;
  readonly slot: number;
  readonly startedAt = Date.now();
  private readonly controller = new AbortController();

  constructor(claimed: Task & { requestId?: string | null }) {
    const { requestId = null, ...task } = claimed;
    this.task = task;
    this.requestId = requestId;
    const workerId = task.workerId as string; // a claimed task always has its holder
    this.held = { id: task.id, workerId, attempt: task.attempt };
    this.slot = slotOfWorkerId(workerId);
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
    this.controller.abort(new TaskAbortReason(kind, message));
    return true;
  }
}
