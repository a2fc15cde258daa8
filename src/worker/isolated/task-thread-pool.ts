import type { Logger } from '@nestjs/common';
import type { ResourceLimits } from 'node:worker_threads';
import { TaskThread } from './task-thread.js';

/**
 * How long a thread may sit idle before it is ended. Keeping it saves the next task the ~25 ms a thread
 * takes to start and import its module (measured on the 2-core dev machine; see docs/handlers.md), and an
 * idle thread costs only memory, so a minute covers bursts without holding threads through quiet hours.
 */
const IDLE_THREAD_MS = 60_000;

export interface TaskThreadPoolOptions {
  type: string;
  /** thread-entry.js, as the thread can load it (compiled JavaScript). */
  entry: URL;
  /** The task type's module, likewise. */
  moduleUrl: URL;
  resourceLimits: ResourceLimits | undefined;
  logger: Logger;
}

/** A live thread, as tests and the stop-latency script see it. */
export interface TaskThreadInfo {
  type: string;
  threadId: number;
  /** The task it runs, or null when idle. */
  taskId: string | null;
}

/**
 * The worker threads of one isolated task type. A thread is reused only after a task that ended on its own
 * (a result or an error from the handler): a thread whose task was aborted is ended even if its handler
 * stopped cleanly, because such a handler may have left timers or promises behind that would run into the
 * next task. A thread that died is simply dropped; the next task starts a new one. The pool does not limit
 * how many threads run at once: the supervisor's slots already do (WORKER_CONCURRENCY).
 */
export class TaskThreadPool {
  private readonly live = new Set<TaskThread>();
  private readonly idle = new Map<TaskThread, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: TaskThreadPoolOptions) {}

  /** A thread ready for one task: an idle one, or a new one. */
  acquire(): TaskThread {
    if (this.closed) throw new Error(`the worker threads of task type '${this.options.type}' are shut down`);
    // The most recently used idle thread first: the others then reach their idle timeout and end.
    for (const [thread, timer] of [...this.idle].reverse()) {
      clearTimeout(timer);
      this.idle.delete(thread);
      if (thread.alive) return thread;
    }
    const { entry, moduleUrl, resourceLimits } = this.options;
    const thread = new TaskThread(entry, { moduleUrl: moduleUrl.href }, resourceLimits);
    this.live.add(thread);
    void thread.exited.then((code) => this.onExit(thread, code));
    return thread;
  }

  /** Takes a thread back after its task; `reusable`: it ended on its own, so the thread can take another. */
  release(thread: TaskThread, reusable: boolean): void {
    if (!thread.alive) return;
    if (!reusable || this.closed) return void this.end(thread);
    thread.unref();
    const timer = setTimeout(() => {
      this.idle.delete(thread);
      void this.end(thread);
    }, IDLE_THREAD_MS);
    timer.unref();
    this.idle.set(thread, timer);
  }

  /** Every thread that has not exited yet, busy or idle. */
  threads(): TaskThreadInfo[] {
    return [...this.live].map((thread) => ({
      type: this.options.type,
      threadId: thread.threadId,
      taskId: thread.taskId,
    }));
  }

  /** Ends every thread; used at shutdown, once the supervisor has handed back or finished its tasks. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.idle.values()) clearTimeout(timer);
    this.idle.clear();
    await Promise.all([...this.live].map((thread) => this.end(thread)));
  }

  private async end(thread: TaskThread): Promise<void> {
    try {
      await thread.terminate();
    } catch (error) {
      this.options.logger.warn(`could not end a '${this.options.type}' thread: ${(error as Error).message}`);
    }
  }

  private onExit(thread: TaskThread, code: number): void {
    this.live.delete(thread);
    const timer = this.idle.get(thread);
    if (timer === undefined) return;
    // An idle thread that died on its own: something its last task left behind threw, or called exit.
    clearTimeout(timer);
    this.idle.delete(thread);
    this.options.logger.warn(`an idle '${this.options.type}' worker thread exited (code ${code}); it is not reused`);
  }
}
