import { benchHooks } from '../bench-handlers.js';
import { percentile, withTimeout } from '../stats.js';
import { buildReplica, newTask } from '../systems/tasksystem.js';
import type { Replica } from '../systems/tasksystem.js';

/** A few stops before the measured ones, so JIT warm-up and first connections are not in the figures. */
const WARM_UP = 5;

/** Instants at which something happened to a task, with a way to wait for one that has not yet. */
class Arrivals {
  private readonly seen = new Map<string, number>();
  private readonly waiting = new Map<string, (at: number) => void>();

  record = (taskId: string, at = performance.now()): void => {
    this.seen.set(taskId, at);
    this.waiting.get(taskId)?.(at);
  };

  next(taskId: string, what: string): Promise<number> {
    const at = this.seen.get(taskId);
    if (at !== undefined) return Promise.resolve(at);
    const arrived = new Promise<number>((resolve) => this.waiting.set(taskId, resolve));
    return withTimeout(arrived, 10_000, () => `task ${taskId}: ${what} did not happen within 10 s`).finally(() =>
      this.waiting.delete(taskId),
    );
  }
}

/**
 * Stop latency, TaskSystem only (no peer can tell a running handler to stop from another process): from just
 * before `DELETE /tasks/:id` is sent until the handler's AbortSignal fires, with the task's handler running
 * on replica W. "same": the DELETE goes to W itself; "cross": to an API-only replica A in the same process
 * (so one clock), which reaches W through task_stop. Also the DELETE's own HTTP time (it answers 200 once
 * the task is cancelled).
 */
export async function stopLatency(url: string, samples: number, concurrency: number): Promise<Record<string, number>> {
  const started = new Arrivals();
  const aborted = new Arrivals();
  benchHooks.holdStarted = (id) => started.record(id);
  benchHooks.holdAborted = (id, at) => aborted.record(id, at);
  const replicas: Replica[] = [];
  try {
    const worker = await buildReplica(url, { WORKER_CONCURRENCY: String(concurrency) });
    replicas.push(worker);
    await worker.start(true);
    const api = await buildReplica(url, { WORKER_ENABLED: 'false' });
    replicas.push(api);
    await api.start(true);

    const results: Record<string, number> = {};
    for (const [mode, target] of [
      ['same', worker],
      ['cross', api],
    ] as const) {
      const toSignal: number[] = [];
      const http: number[] = [];
      for (let k = 0; k < WARM_UP + samples; k++) {
        const [task] = await worker.repository.insert([newTask('hold', {})]);
        await started.next(task.id, 'handler start');
        const sentAt = performance.now();
        const response = await fetch(`${target.baseUrl}/tasks/${task.id}`, { method: 'DELETE' });
        const answeredAt = performance.now();
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`DELETE /tasks/${task.id} answered ${response.status}`);
        const abortedAt = await aborted.next(task.id, 'AbortSignal');
        if (k < WARM_UP) continue;
        toSignal.push(abortedAt - sentAt);
        http.push(answeredAt - sentAt);
      }
      results[`stop-${mode}-p50`] = percentile(toSignal, 50);
      results[`stop-${mode}-p99`] = percentile(toSignal, 99);
      results[`stop-${mode}-http-p50`] = percentile(http, 50);
      results[`stop-${mode}-http-p99`] = percentile(http, 99);
    }
    return results;
  } finally {
    for (const replica of replicas.reverse()) await replica.close();
    benchHooks.holdStarted = undefined;
    benchHooks.holdAborted = undefined;
  }
}
