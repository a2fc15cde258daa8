import { jest } from '@jest/globals';
import { loadConfig } from '../config/app-config.js';
import type { TaskMetrics } from '../metrics/task-metrics.js';
import type { Task } from '../task-store/task.js';
import type { AttemptOutcome, HeldAttempt, TaskRepository } from '../task-store/task.repository.js';
import type { OutcomeBatcher } from './outcome-batcher.js';
import { RunningAttempt } from './running-attempt.js';
import type { HandlerOutcome } from './running-attempt.js';
import type { TaskAbortKind } from './task-abort-reason.js';
import { TaskOutcomeWriter } from './task-outcome.writer.js';
import { claimedTask } from './test-support/claimed-task.js';

const LEASE_MS = 1000;

/** What the writer can be told by the database, one answer per write: a task as written, or an error. */
type Answer = Task | undefined | { fails: Error };

/**
 * A TaskOutcomeWriter over a fake repository and batcher that record every write and answer as scripted
 * (by default: the task as the outcome would leave it). The decisions are the writer's; the SQL that
 * carries them out is tested against PostgreSQL in test/.
 */
function writerWith(answers: Answer[] = []) {
  const written: AttemptOutcome[] = [];
  const released: HeldAttempt[] = [];
  const answer = (fallback: Task): Promise<Task | undefined> => {
    const next = answers.length > 0 ? answers.shift() : fallback;
    return next && 'fails' in next ? Promise.reject(next.fails) : Promise.resolve(next);
  };
  const batcher = {
    write: (outcome: AttemptOutcome) => {
      written.push(outcome);
      return answer(claimedTask({ status: outcome.ok ? 'succeeded' : 'failed', finishedAt: new Date(0) }));
    },
  };
  const tasks = {
    release: (held: HeldAttempt) => {
      released.push(held);
      return answer(claimedTask({ status: 'queued', attempt: 0 }));
    },
  };
  const metrics = { recordOutcome: jest.fn() };
  const config = loadConfig({
    DATABASE_URL: 'postgres://localhost/unused',
    LEASE_MS: String(LEASE_MS),
    RETRY_BASE_MS: '100',
    RETRY_MAX_MS: '100',
  });
  const writer = new TaskOutcomeWriter(
    config,
    tasks as unknown as TaskRepository,
    metrics as unknown as TaskMetrics,
    batcher as unknown as OutcomeBatcher,
  );
  const logged = { log: [] as string[], warn: [] as string[], error: [] as string[] };
  (writer as unknown as { logger: unknown }).logger = {
    log: (line: string) => logged.log.push(line),
    warn: (line: string) => logged.warn.push(line),
    error: (line: string) => logged.error.push(line),
  };
  return { writer, written, released, metrics, logged };
}

/** An attempt of task 1 by slot r/1, aborted for `abortedFor` if given. */
function attempt(abortedFor?: TaskAbortKind, message = `aborted: ${abortedFor}`): RunningAttempt {
  const running = new RunningAttempt(claimedTask());
  if (abortedFor) running.abort(abortedFor, message);
  return running;
}

const held = { id: '1', workerId: 'r/1', attempt: 1 };
const succeeded = (value: unknown): HandlerOutcome => ({ ok: true, value });
const threw = (error: unknown, abandoned = false): HandlerOutcome => ({ ok: false, error, abandoned });
const failure = (written: AttemptOutcome) => {
  if (written.ok) throw new Error(`expected a failure, got the result ${written.resultJson}`);
  return { error: JSON.parse(written.errorJson) as unknown, doNotRetry: written.doNotRetry };
};

describe('TaskOutcomeWriter', () => {
  it('stores the result as JSON, and counts and logs the outcome', async () => {
    const { writer, written, metrics, logged } = writerWith();
    await writer.write(attempt(), succeeded({ rows: 3 }));
    expect(written).toEqual([{ held, ok: true, resultJson: '{"rows":3}' }]);
    expect(metrics.recordOutcome).toHaveBeenCalledTimes(1);
    expect(logged.log).toEqual([expect.stringMatching(/^task 1 \(gate\) succeeded after \d+ ms, attempt 1\/3/)]);
  });

  it('stores null for a handler that returned nothing, or a value JSON has no text for', async () => {
    const { writer, written } = writerWith();
    await writer.write(attempt(), succeeded(undefined));
    await writer.write(
      attempt(),
      succeeded(() => 'a function'),
    );
    expect(written.map((outcome) => outcome.ok && outcome.resultJson)).toEqual(['null', 'null']);
  });

  it('fails the attempt with what the handler threw, to be retried after a backoff', async () => {
    const { writer, written } = writerWith();
    await writer.write(attempt(), threw(new TypeError('no such row')));
    expect(written).toHaveLength(1);
    expect(failure(written[0])).toEqual({ error: { message: 'no such row', name: 'TypeError' }, doNotRetry: false });
    // RETRY_BASE_MS 100: a first retry waits between half and all of it.
    const { retryDelayMs } = written[0] as { retryDelayMs: number };
    expect(retryDelayMs).toBeGreaterThanOrEqual(50);
    expect(retryDelayMs).toBeLessThanOrEqual(100);
  });

  it('fails an abandoned attempt for good: its handler may still run, and a retry could run the task twice', async () => {
    const { writer, written } = writerWith();
    await writer.write(attempt('stop', 'stopped on request'), threw(new Error('stopped on request'), true));
    expect(failure(written[0])).toEqual({
      error: {
        message: 'stopped on request; the handler ignored its abort signal, so it is not retried',
        name: 'Error',
      },
      doNotRetry: true,
    });
  });

  it('fails a timed-out attempt with the timeout, even if its handler returned a result afterwards', async () => {
    const { writer, written } = writerWith();
    await writer.write(attempt('timeout', 'timed out after 50 ms'), succeeded({ late: true }));
    expect(failure(written[0])).toEqual({
      error: { message: 'timed out after 50 ms', name: 'TaskAbortReason' },
      doNotRetry: false,
    });
  });

  it('hands a task back at shutdown, without writing an outcome', async () => {
    const { writer, written, released, logged } = writerWith();
    await writer.write(attempt('shutdown'), threw(new Error('aborted'), true));
    expect(written).toEqual([]);
    expect(released).toEqual([held]);
    expect(logged.log).toEqual([expect.stringMatching(/^task 1 \(gate\) handed back to the queue after \d+ ms/)]);
  });

  it('writes nothing for an attempt whose lease was lost: the task is another replica’s now', async () => {
    const { writer, written, released, logged } = writerWith();
    await writer.write(attempt('lease-lost'), succeeded({ rows: 3 }));
    expect([...written, ...released]).toEqual([]);
    expect(logged.warn).toEqual(['task 1: lease lost to another replica; its outcome is not written']);
  });

  it('drops the outcome of an attempt no longer held, and counts nothing', async () => {
    const { writer, metrics, logged } = writerWith([undefined]);
    await writer.write(attempt(), succeeded({ rows: 3 }));
    expect(metrics.recordOutcome).not.toHaveBeenCalled();
    expect(logged.warn).toEqual(['task 1: attempt 1 is no longer held by r/1; outcome dropped']);
  });

  describe('a result that cannot be stored', () => {
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    it.each([
      ['a BigInt', { total: 10n }, 'Do not know how to serialize a BigInt'],
      [
        'a cycle',
        cycle,
        "Converting circular structure to JSON --> starting at object with constructor 'Object' --- property 'self' closes the circle",
      ],
      [
        'a toJSON that throws',
        {
          toJSON: () => {
            throw new Error('not today');
          },
        },
        'not today',
      ],
    ])('fails the task for good when JSON.stringify refuses %s, and never tries to store it', async (_, value, why) => {
      const { writer, written } = writerWith();
      await writer.write(attempt(), succeeded(value));
      expect(written).toHaveLength(1);
      expect(failure(written[0])).toEqual({
        error: { message: `could not store the result: ${why}` },
        doNotRetry: true,
      });
    });

    it('fails the task for good when PostgreSQL refuses the value, naming its detail', async () => {
      const refused = Object.assign(new Error('unsupported Unicode escape sequence'), {
        code: '22P05',
        detail: '\\u0000 cannot be converted to text.',
      });
      const { writer, written } = writerWith([{ fails: refused }]);
      await writer.write(attempt(), succeeded({ text: 'a\u0000b' }));
      expect(written.map((outcome) => outcome.ok)).toEqual([true, false]);
      expect(failure(written[1])).toEqual({
        error: {
          message:
            'could not store the result: unsupported Unicode escape sequence (\\u0000 cannot be converted to text.)',
        },
        doNotRetry: true,
      });
    });
  });

  describe('while the database is unreachable', () => {
    const unreachable = { fails: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) };
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('retries the write with a doubling delay, and writes the outcome once it is back', async () => {
      const { writer, written, logged } = writerWith([unreachable, unreachable]);
      const writing = writer.write(attempt(), succeeded({ rows: 3 }));
      await jest.advanceTimersByTimeAsync(0);
      expect(written).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(100);
      expect(written).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(199);
      expect(written).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(1);
      await writing;
      expect(written).toHaveLength(3);
      expect(logged.warn).toEqual([
        'task 1: database unavailable, retrying the outcome write in 100 ms',
        'task 1: database unavailable, retrying the outcome write in 200 ms',
      ]);
      expect(logged.log).toHaveLength(1);
    });

    it('gives up once the next try would come after the lease ran out: the task is no longer surely ours', async () => {
      const { writer, written, logged } = writerWith(Array.from({ length: 10 }, () => unreachable));
      const writing = writer.write(attempt(), succeeded({ rows: 3 }));
      await jest.advanceTimersByTimeAsync(LEASE_MS);
      await writing;
      // Tries at 0, 100, 300 and 700 ms; the next would be at 1500, past the 1000 ms lease.
      expect(written).toHaveLength(4);
      expect(logged.error).toEqual(['task 1: could not write its outcome: connect ECONNREFUSED']);
    });
  });
});
