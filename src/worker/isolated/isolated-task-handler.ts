import type { Logger } from '@nestjs/common';
import type { IsolatedTaskHandlerProvider, TaskContext, TerminableTaskHandler } from '../../task-types/task-handler.js';
import type { TaskThread } from './task-thread.js';
import type { TaskThreadPool } from './task-thread-pool.js';

/**
 * What the supervisor runs for an isolated task type: an ordinary TaskHandler whose run() sends the task to
 * a worker thread, relays the attempt's AbortSignal into it, and feeds the thread's progress reports to the
 * attempt. terminate() (called by runAttempt when an aborted handler's grace has run out) ends the thread;
 * run() then rejects with the abort reason once the thread is gone, as a cooperative handler would have.
 */
export class IsolatedTaskHandler implements TerminableTaskHandler {
  /** The thread of each attempt running now, and whether it was terminated on purpose. */
  private readonly running = new Map<TaskContext, { thread: TaskThread; terminated: boolean }>();
  readonly validatePayload?: (payload: unknown) => string[];

  constructor(
    provider: IsolatedTaskHandlerProvider,
    private readonly pool: TaskThreadPool,
    private readonly logger: Logger,
  ) {
    // Payloads are checked in the main thread, by the Nest provider, before anything is stored.
    if (provider.validatePayload) this.validatePayload = (payload) => provider.validatePayload!(payload);
  }

  // The thread gets the whole task and passes its payload to the module's run().
  async run(_payload: unknown, context: TaskContext): Promise<unknown> {
    const { task, signal } = context;
    const thread = this.pool.acquire();
    const entry = { thread, terminated: false };
    this.running.set(context, entry);
    const relayAbort = (): void => thread.abort(signal.reason);
    signal.addEventListener('abort', relayAbort, { once: true });
    try {
      const result = thread.run(task, ({ percent, message }) => {
        try {
          context.reportProgress(percent, message);
        } catch (error) {
          // Checked in the thread already; a failure here must not become an uncaught exception of the replica.
          this.logger.warn(`task ${task.id}: progress from its thread refused: ${(error as Error).message}`);
        }
      });
      if (signal.aborted) relayAbort(); // aborted before it started: the listener above will never fire
      return await result;
    } catch (error) {
      // Killed on purpose: the attempt ends as the abort says (stopped, timed out, handed back), not as a crash.
      throw entry.terminated ? signal.reason : error;
    } finally {
      signal.removeEventListener('abort', relayAbort);
      this.running.delete(context);
      this.pool.release(thread, !signal.aborted);
    }
  }

  terminate(context: TaskContext): void {
    const entry = this.running.get(context);
    if (!entry) return;
    entry.terminated = true;
    void entry.thread.terminate();
  }
}
