import { latencySummary, perSecond, sleep, withTimeout } from '../stats.js';
import type { BenchPayload, QueueClient } from '../systems/system.js';

/**
 * The workloads every system runs, each on a fresh database (main.ts opens and closes the client).
 * Method: shared/BENCHMARKING.md. Times are performance.now() (monotonic, sub-millisecond).
 */

const payloads = (from: number, to: number): BenchPayload[] =>
  Array.from({ length: to - from }, (_, k) => ({ i: from + k }));

async function enqueueInBatches(client: QueueClient, jobs: number, batchSize: number): Promise<void> {
  for (let from = 0; from < jobs; from += batchSize) {
    await client.enqueueBatch(payloads(from, Math.min(from + batchSize, jobs)));
  }
}

/**
 * Polls the store until it shows no job queued or running, and returns the instant of the answer that said
 * so. Handler calls are not counted: pg-boss 10 does not await its completion update and graphile-worker
 * 0.17 does not await its batched completions, so "the last handler returned" is earlier than "done".
 * The 5 ms pause bounds the clock's overshoot; each poll is a cheap EXISTS on one connection.
 */
export async function waitUntilDrained(client: QueueClient, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!(await client.hasUnfinished())) return performance.now();
    if (performance.now() > deadline) throw new Error(`not drained after ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** Drain: `jobs` no-op jobs already queued; clock from just before the workers start until the store is empty of live jobs. */
export async function drain(client: QueueClient, jobs: number, batchSize: number): Promise<{ drain: number }> {
  // Jobs that succeeded before (the history workload's finished tasks) are not this drain's.
  const succeededBefore = await client.succeeded();
  await enqueueInBatches(client, jobs, batchSize);
  await client.releaseProducer?.();
  const start = await client.prepareWorkers(() => undefined);
  const startedAt = performance.now();
  await start();
  const doneAt = await waitUntilDrained(client, 300_000);
  const succeeded = (await client.succeeded()) - succeededBefore;
  // A benchmark that loses or fails jobs is not a result.
  if (succeeded !== jobs) throw new Error(`drain: ${succeeded} of ${jobs} jobs succeeded`);
  return { drain: perSecond(jobs, doneAt - startedAt) };
}

/** Enqueue one at a time from one client, each call awaited before the next. */
export async function enqueueOne(client: QueueClient, jobs: number): Promise<{ 'enqueue-one': number }> {
  const startedAt = performance.now();
  for (let i = 0; i < jobs; i++) await client.enqueue({ i });
  return { 'enqueue-one': perSecond(jobs, performance.now() - startedAt) };
}

/** Enqueue in batches of `batchSize` (BENCHMARKING.md: 1,000), each batch awaited before the next. */
export async function enqueueBatch(
  client: QueueClient,
  jobs: number,
  batchSize: number,
): Promise<{ 'enqueue-batch': number }> {
  const startedAt = performance.now();
  await enqueueInBatches(client, jobs, batchSize);
  return { 'enqueue-batch': perSecond(jobs, performance.now() - startedAt) };
}

/**
 * Idle latency: the workers sit idle for `idleMs` (so any poll loop is mid-sleep, as in production), then
 * `samples` jobs are enqueued one at a time, `gapMs` apart; each latency is the handler's entry minus the
 * instant just before its enqueue call, both in this process on one clock.
 */
export async function idleLatency(
  client: QueueClient,
  { idleMs, samples, gapMs }: { idleMs: number; samples: number; gapMs: number },
): Promise<{ 'idle-p50': number; 'idle-p95': number; 'idle-p99': number }> {
  const sentAt = new Float64Array(samples).fill(Number.NaN);
  const latencies: number[] = [];
  let allEntered!: () => void;
  const entered = new Promise<void>((resolve) => (allEntered = resolve));
  const start = await client.prepareWorkers((payload) => {
    latencies.push(performance.now() - sentAt[payload.i]);
    if (latencies.length === samples) allEntered();
  });
  await start();
  await sleep(idleMs);
  const firstAt = performance.now();
  for (let i = 0; i < samples; i++) {
    const wait = firstAt + i * gapMs - performance.now();
    if (wait > 0) await sleep(wait);
    sentAt[i] = performance.now();
    await client.enqueue({ i });
  }
  await withTimeout(
    entered,
    10_000,
    () => `idle latency: only ${latencies.length} of ${samples} jobs started within 10 s`,
  );
  if (latencies.some(Number.isNaN)) throw new Error('idle latency: a handler ran before its enqueue');
  const { p50, p95, p99 } = latencySummary(latencies);
  return { 'idle-p50': p50, 'idle-p95': p95, 'idle-p99': p99 };
}
