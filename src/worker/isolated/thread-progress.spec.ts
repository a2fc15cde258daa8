import { jest } from '@jest/globals';
import type { TaskProgress } from '../../task-store/task.js';
import { ThreadProgress } from './thread-progress.js';

describe('ThreadProgress', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('posts a value that is due within the report itself, with no help from the event loop', () => {
    const posted: TaskProgress[] = [];
    const progress = new ThreadProgress((value) => posted.push(value), 50);
    progress.report({ percent: 1 });
    expect(posted).toEqual([{ percent: 1 }]);
    // A handler that never yields: time passes, but no timer ever runs.
    progress.report({ percent: 2 });
    progress.report({ percent: 3 });
    jest.setSystemTime(Date.now() + 50);
    progress.report({ percent: 4 });
    expect(posted).toEqual([{ percent: 1 }, { percent: 4 }]);
  });

  it('posts a held value once the handler yields', async () => {
    const posted: TaskProgress[] = [];
    const progress = new ThreadProgress((value) => posted.push(value), 50);
    progress.report({ percent: 1 });
    progress.report({ percent: 2, message: 'held' });
    await jest.advanceTimersByTimeAsync(50);
    expect(posted).toEqual([{ percent: 1 }, { percent: 2, message: 'held' }]);
  });

  it('drops a held value when the task ends', async () => {
    const posted: TaskProgress[] = [];
    const progress = new ThreadProgress((value) => posted.push(value), 50);
    progress.report({ percent: 1 });
    progress.report({ percent: 2 });
    progress.close();
    await jest.advanceTimersByTimeAsync(100);
    expect(posted).toEqual([{ percent: 1 }]);
  });
});
