import type { Task } from './task.js';
import { describeOutcome } from './outcome-log.js';

const task = (fields: Partial<Task>): Task =>
  ({
    id: '7',
    type: 'sleep',
    attempt: 1,
    maxAttempts: 3,
    workerId: 'web-1/2',
    result: null,
    error: null,
    runAt: new Date(0),
    ...fields,
  }) as Task;

describe('describeOutcome', () => {
  it('logs a success with its result, as the original "task result" line', () => {
    expect(describeOutcome(task({ status: 'succeeded', result: { slept: 5 } }), 6)).toBe(
      'task 7 (sleep) succeeded after 6 ms, attempt 1/3 on web-1/2: result {"slept":5}',
    );
  });

  it('logs a failure or a stop with its error', () => {
    expect(describeOutcome(task({ status: 'failed', attempt: 3, error: { message: 'boom' } }), 1)).toBe(
      'task 7 (sleep) failed after 1 ms, attempt 3/3 on web-1/2: boom',
    );
    expect(describeOutcome(task({ status: 'cancelled', error: { message: 'stopped on request' } }), 2)).toMatch(
      /cancelled after 2 ms.*stopped on request$/,
    );
  });

  it('logs a task stopped before it ran without a duration', () => {
    expect(
      describeOutcome(
        task({
          status: 'cancelled',
          attempt: 0,
          workerId: null,
          error: { message: 'stopped on request before it started' },
        }),
      ),
    ).toBe('task 7 (sleep) cancelled, attempt 0/3: stopped on request before it started');
  });

  it('logs a retry with its time and error', () => {
    expect(describeOutcome(task({ status: 'queued', error: { message: 'flaky' } }), 3)).toBe(
      'task 7 (sleep) queued after 3 ms, attempt 1/3 on web-1/2: will retry at 1970-01-01T00:00:00.000Z after error: flaky',
    );
  });

  it('cuts a huge result short', () => {
    const line = describeOutcome(task({ status: 'succeeded', result: 'x'.repeat(2000) }), 1);
    expect(line.length).toBeLessThan(700);
    expect(line).toMatch(/… \(2002 chars\)$/);
  });
});
