import { jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import { runAttempt, TERMINATE_TIMEOUT_MS } from './attempt-runner.js';
import { RunningAttempt } from './running-attempt.js';
import type { HandlerOutcome } from './running-attempt.js';
import type { TaskContext, TaskHandler, TerminableTaskHandler } from '../task-types/task-handler.js';
import { claimedTask } from './test-support/claimed-task.js';

const CANCEL_GRACE_MS = 1000;

/** A handler that ends only when its signal fires, as a cooperative one does. */
const honouring: TaskHandler = {
  run: (_payload, { signal }) =>
    new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))),
};

/** A handler that never ends, whatever its signal says. */
const ignoring: TaskHandler = { run: () => new Promise(() => undefined) };

/**
 * An isolated handler as the registry wraps it: its run() ignores the signal (the thread never yields), and
 * terminate() ends the thread, which makes run() reject — unless `threadStuck`, a thread inside a native call.
 */
function isolated({ threadStuck = false } = {}) {
  let endThread: (error: Error) => void = () => undefined;
  const terminate = jest.fn((context: TaskContext) => {
    if (!threadStuck) endThread(context.signal.reason as Error);
  });
  const handler: TerminableTaskHandler = {
    run: () => new Promise((_, reject) => (endThread = reject)),
    terminate,
  };
  return { handler, terminate };
}

describe('runAttempt', () => {
  let logger: { warn: jest.Mock; log: jest.Mock };

  beforeEach(() => {
    jest.useFakeTimers();
    logger = { warn: jest.fn(), log: jest.fn() };
  });
  afterEach(() => jest.useRealTimers());

  /** Starts an attempt of a task with these fields; `outcome()` is what it came to, or undefined while it runs. */
  function start(handler: TaskHandler, fields: { timeoutMs?: number | null } = {}) {
    const attempt = new RunningAttempt(claimedTask(fields));
    let outcome: HandlerOutcome | undefined;
    const running = runAttempt(attempt, handler, {
      cancelGraceMs: CANCEL_GRACE_MS,
      logger: logger as unknown as Logger,
      saveProgress: () => Promise.resolve(true),
    }).then((settled) => (outcome = settled));
    return { attempt, running, outcome: () => outcome };
  }

  it('returns what the handler returned, and leaves no timer behind', async () => {
    const { running } = start({ run: () => Promise.resolve({ rows: 3 }) }, { timeoutMs: 60_000 });
    expect(await running).toEqual({ ok: true, value: { rows: 3 } });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('fails with what the handler threw, not abandoned', async () => {
    const error = new Error('broken');
    const { running } = start({ run: () => Promise.reject(error) });
    expect(await running).toEqual({ ok: false, error, abandoned: false });
  });

  it('aborts the attempt when its timeoutMs passes, and not a moment before', async () => {
    const { attempt, running } = start(honouring, { timeoutMs: 500 });
    await jest.advanceTimersByTimeAsync(499);
    expect(attempt.signal.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(attempt.abortKind).toBe('timeout');
    expect(await running).toMatchObject({ ok: false, abandoned: false, error: { message: 'timed out after 500 ms' } });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('gives a handler that ignores its stop CANCEL_GRACE_MS, then abandons it', async () => {
    const { attempt, outcome } = start(ignoring);
    attempt.abort('stop', 'stopped on request');
    await jest.advanceTimersByTimeAsync(CANCEL_GRACE_MS - 1);
    expect(outcome()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(outcome()).toMatchObject({ ok: false, abandoned: true, error: { kind: 'stop' } });
    expect(logger.warn).toHaveBeenCalledWith('task 1 (gate) ignored its abort signal for 1000 ms; abandoning it');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('abandons a handler that ignores a shutdown at once: the task is handed back anyway', async () => {
    const { attempt, outcome } = start(ignoring);
    attempt.abort('shutdown', 'replica is shutting down');
    await jest.advanceTimersByTimeAsync(0);
    expect(outcome()).toMatchObject({ ok: false, abandoned: true, error: { kind: 'shutdown' } });
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('lets a handler that honours its stop end on its own within the grace', async () => {
    const terminate = jest.fn();
    const cooperative: TerminableTaskHandler = {
      run: (payload, context) => honouring.run(payload, context),
      terminate,
    };
    const { attempt, running } = start(cooperative);
    attempt.abort('stop', 'stopped on request');
    expect(await running).toMatchObject({ ok: false, abandoned: false, error: { kind: 'stop' } });
    expect(terminate).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('terminates an isolated handler once the grace runs out, then waits for its thread to end: not abandoned', async () => {
    const { handler, terminate } = isolated();
    const { attempt, outcome } = start(handler);
    attempt.abort('stop', 'stopped on request');
    await jest.advanceTimersByTimeAsync(CANCEL_GRACE_MS - 1);
    expect(terminate).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(terminate).toHaveBeenCalledTimes(1);
    expect(terminate.mock.calls[0][0].task.id).toBe('1');
    expect(outcome()).toMatchObject({ ok: false, abandoned: false, error: { kind: 'stop' } });
    expect(jest.getTimerCount()).toBe(0);
  });

  it(`abandons an isolated handler whose thread has not ended ${TERMINATE_TIMEOUT_MS} ms after it was terminated`, async () => {
    const { handler, terminate } = isolated({ threadStuck: true });
    const { attempt, outcome } = start(handler, { timeoutMs: 100 });
    await jest.advanceTimersByTimeAsync(100 + CANCEL_GRACE_MS);
    expect(terminate).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(TERMINATE_TIMEOUT_MS - 1);
    expect(outcome()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(attempt.abortKind).toBe('timeout');
    expect(outcome()).toMatchObject({ ok: false, abandoned: true, error: { kind: 'timeout' } });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('terminates an isolated handler at once at shutdown', async () => {
    const { handler, terminate } = isolated();
    const { attempt, outcome } = start(handler);
    attempt.abort('shutdown', 'replica is shutting down');
    await jest.advanceTimersByTimeAsync(0);
    expect(terminate).toHaveBeenCalledTimes(1);
    expect(outcome()).toMatchObject({ ok: false, abandoned: false, error: { kind: 'shutdown' } });
  });
});
