import { jest } from '@jest/globals';
import type { TaskProgress } from '../task-store/task.js';
import { ProgressReporter, toTaskProgress } from './progress-reporter.js';

/** A save() that records each write and answers as told: at once by default, or when `answer()` is called. */
function recordingSave({ held = true, manual = false }: { held?: boolean; manual?: boolean } = {}) {
  const saved: TaskProgress[] = [];
  const answers: ((held: boolean) => void)[] = [];
  const save = (progress: TaskProgress): Promise<boolean> => {
    saved.push(progress);
    return manual ? new Promise((resolve) => answers.push(resolve)) : Promise.resolve(held);
  };
  return { saved, save, answer: (stillHeld = true) => answers.shift()?.(stillHeld) };
}

const noErrors = (error: unknown): void => {
  throw error;
};

describe('ProgressReporter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes the first value at once, then at most one per interval, the last reported winning', async () => {
    const { saved, save } = recordingSave();
    const reporter = new ProgressReporter({ save, onError: noErrors, intervalMs: 250 });
    reporter.report(10);
    await jest.advanceTimersByTimeAsync(0);
    expect(saved).toEqual([{ percent: 10 }]);

    reporter.report(20);
    reporter.report(30, 'thirty');
    await jest.advanceTimersByTimeAsync(249);
    expect(saved).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(saved).toEqual([{ percent: 10 }, { percent: 30, message: 'thirty' }]);
  });

  it('holds a chatty handler to one write per interval', async () => {
    const { saved, save } = recordingSave();
    const reporter = new ProgressReporter({ save, onError: noErrors, intervalMs: 250 });
    for (let ms = 0; ms < 1000; ms += 5) {
      reporter.report(ms / 10);
      await jest.advanceTimersByTimeAsync(5);
    }
    // 200 reports in a second, 5 writes: at 0, 250, 500, 750 and 1000 ms, each of the latest value then.
    expect(saved.map(({ percent }) => percent)).toEqual([0, 24.5, 49.5, 74.5, 99.5]);
  });

  it('keeps one write in flight at a time, and then writes the latest value', async () => {
    const { saved, save, answer } = recordingSave({ manual: true });
    const reporter = new ProgressReporter({ save, onError: noErrors, intervalMs: 250 });
    reporter.report(1);
    await jest.advanceTimersByTimeAsync(0);
    reporter.report(2);
    reporter.report(3);
    await jest.advanceTimersByTimeAsync(1000);
    expect(saved).toEqual([{ percent: 1 }]);
    answer();
    await jest.advanceTimersByTimeAsync(0);
    expect(saved).toEqual([{ percent: 1 }, { percent: 3 }]);
  });

  it('stops writing once the attempt is no longer held', async () => {
    const { saved, save } = recordingSave({ held: false });
    const reporter = new ProgressReporter({ save, onError: noErrors, intervalMs: 250 });
    reporter.report(1);
    await jest.advanceTimersByTimeAsync(0);
    reporter.report(2);
    await jest.advanceTimersByTimeAsync(1000);
    expect(saved).toEqual([{ percent: 1 }]);
  });

  it('drops what is pending when the attempt ends, with no final flush', async () => {
    const { saved, save } = recordingSave();
    const reporter = new ProgressReporter({ save, onError: noErrors, intervalMs: 250 });
    reporter.report(1);
    await jest.advanceTimersByTimeAsync(0);
    reporter.report(2);
    reporter.close();
    reporter.report(3);
    await jest.advanceTimersByTimeAsync(1000);
    expect(saved).toEqual([{ percent: 1 }]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('reports a failed write and carries on with the next value', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const reporter = new ProgressReporter({
      save: () => (++calls === 1 ? Promise.reject(new Error('database unreachable')) : Promise.resolve(true)),
      onError: (error) => errors.push(error),
      intervalMs: 250,
    });
    reporter.report(1);
    await jest.advanceTimersByTimeAsync(0);
    reporter.report(2);
    await jest.advanceTimersByTimeAsync(250);
    expect(errors).toEqual([new Error('database unreachable')]);
    expect(calls).toBe(2);
  });

  it('throws a TypeError at the caller for a bad value, and writes nothing', async () => {
    const { saved, save } = recordingSave();
    const reporter = new ProgressReporter({ save, onError: noErrors });
    expect(() => reporter.report(101)).toThrow(new TypeError('progress must be a number from 0 to 100, got 101'));
    expect(() => reporter.report(Number.NaN)).toThrow(TypeError);
    await jest.advanceTimersByTimeAsync(1000);
    expect(saved).toEqual([]);
  });
});

describe('toTaskProgress', () => {
  it('accepts 0 to 100, fractions included, with an optional message', () => {
    expect(toTaskProgress(0)).toEqual({ percent: 0 });
    expect(toTaskProgress(100, 'done')).toEqual({ percent: 100, message: 'done' });
    expect(toTaskProgress(12.5, '')).toEqual({ percent: 12.5, message: '' });
  });

  it.each([
    ['a negative percent', -1, undefined, 'progress must be a number from 0 to 100, got -1'],
    ['a percent over 100', 100.5, undefined, 'progress must be a number from 0 to 100, got 100.5'],
    [
      'an infinite percent',
      Number.POSITIVE_INFINITY,
      undefined,
      'progress must be a number from 0 to 100, got Infinity',
    ],
    ['a percent as a string', '50', undefined, 'progress must be a number from 0 to 100, got "50"'],
    ['a message that is no string', 50, 7, 'progress message must be a string, got 7'],
    ['a message too long', 50, 'x'.repeat(501), 'progress message must be at most 500 characters'],
  ])('refuses %s', (_, percent, message, expected) => {
    expect(() => toTaskProgress(percent, message)).toThrow(new TypeError(expected));
  });
});
