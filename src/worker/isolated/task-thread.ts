import { Worker } from 'node:worker_threads';
import type { ResourceLimits } from 'node:worker_threads';
import type { Task, TaskProgress } from '../../task-store/task.js';
import { fromErrorData, toErrorData } from './thread-protocol.js';
import type { FromThread, ThreadData, ToThread } from './thread-protocol.js';

interface CurrentTask {
  taskId: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress: (progress: TaskProgress) => void;
}

/**
 * One worker thread of an isolated task type, running one task at a time. A task's run settles with the
 * handler's result or error; if the thread dies first (it threw outside the handler, called
 * process.exit, exceeded its resource limits, or was terminated), it settles once the thread is gone,
 * with an error that says how it died.
 */
export class TaskThread {
  private readonly worker: Worker;
  private current: CurrentTask | undefined;
  /** Why the thread failed, from its 'error' event; its 'exit' follows. */
  private failure: Error | undefined;
  private exitCode: number | undefined;
  /** Resolves with the exit code once the thread has stopped. */
  readonly exited: Promise<number>;

  constructor(entry: URL, data: ThreadData, resourceLimits: ResourceLimits | undefined) {
    this.worker = new Worker(entry, { workerData: data, resourceLimits });
    this.worker.on('message', (message: FromThread) => this.onMessage(message));
    this.worker.on('error', (error: Error) => {
      this.failure ??= error;
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.exitCode = code;
        this.onExit(code);
        resolve(code);
      }),
    );
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** The task it runs now, if any. */
  get taskId(): string | null {
    return this.current?.taskId ?? null;
  }

  run(task: Task, onProgress: (progress: TaskProgress) => void): Promise<unknown> {
    if (this.current) throw new Error(`thread ${this.threadId} is already running task ${this.current.taskId}`);
    if (!this.alive) throw new Error(`thread ${this.threadId} has exited`);
    return new Promise((resolve, reject) => {
      this.current = { taskId: task.id, resolve, reject, onProgress };
      this.worker.ref();
      this.post({ kind: 'run', task });
    });
  }

  /** Fires the AbortSignal of the handler in the thread, with this reason. */
  abort(reason: unknown): void {
    if (this.alive) this.post({ kind: 'abort', reason: toErrorData(reason) });
  }

  /** Ends the thread whatever it is doing; resolves once it has stopped. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }

  /** An idle thread must not keep the process alive. */
  unref(): void {
    this.worker.unref();
  }

  private post(message: ToThread): void {
    this.worker.postMessage(message);
  }

  private onMessage(message: FromThread): void {
    const current = this.current;
    if (!current) return; // a late message from a task that already settled
    switch (message.kind) {
      case 'progress':
        current.onProgress(message.progress);
        return;
      case 'result':
        this.current = undefined;
        current.resolve(message.value);
        return;
      case 'error':
        this.current = undefined;
        current.reject(fromErrorData(message.error));
        return;
    }
  }

  private onExit(code: number): void {
    const current = this.current;
    this.current = undefined;
    current?.reject(this.failure ?? new Error(`the task's worker thread exited with code ${code} before it finished`));
  }
}
