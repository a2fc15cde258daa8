import { jest } from '@jest/globals';
import { START_WRITE_DELAY_MS, StartRecorder } from './start-recorder.js';
import type { RecordedStart, StartToRecord } from './start-recorder.js';

const start = (id: string): StartToRecord => ({ id, buffering: 'r#1', slot: 1, attempt: 1, startedAt: Date.now() });

/** A StartRecorder whose repository writes every start it is given, and remembers each statement's ids. */
function recorder() {
  const statements: string[][] = [];
  const recordStarts = (starts: StartToRecord[]) => {
    statements.push(starts.map(({ id }) => id));
    return Promise.resolve(starts.map(({ id }) => ({ id, stopRequested: false })));
  };
  const starts = new StartRecorder({ recordStarts }, 'r', 30_000);
  const recorded = new Map<string, RecordedStart>();
  const record = (id: string): void => void starts.record(start(id)).then((result) => recorded.set(id, result));
  return { starts, statements, recorded, record };
}

describe('StartRecorder', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes a start once its handler has run START_WRITE_DELAY_MS, with those that ran half as long', async () => {
    const { statements, recorded, record } = recorder();
    record('a');
    await jest.advanceTimersByTimeAsync(START_WRITE_DELAY_MS / 2);
    record('b');
    await jest.advanceTimersByTimeAsync(START_WRITE_DELAY_MS / 4);
    record('c'); // a quarter of the delay old when a is due: left for the next write
    expect(statements).toEqual([]);
    await jest.advanceTimersByTimeAsync(START_WRITE_DELAY_MS / 4);
    expect(statements).toEqual([['a', 'b']]);
    expect(recorded.get('a')).toEqual({ recorded: true, stopRequested: false });
    await jest.advanceTimersByTimeAsync(START_WRITE_DELAY_MS * 0.75);
    expect(statements).toEqual([['a', 'b'], ['c']]);
  });

  it('is not held back by a step back of the wall clock', async () => {
    const { statements, record } = recorder();
    record('a');
    jest.setSystemTime(Date.now() - 60_000);
    await jest.advanceTimersByTimeAsync(START_WRITE_DELAY_MS);
    expect(statements).toEqual([['a']]);
  });

  it('writes nothing for a start taken back before it was due: it goes with its outcome', async () => {
    const { starts, statements, recorded, record } = recorder();
    record('a');
    record('b');
    await jest.advanceTimersByTimeAsync(START_WRITE_DELAY_MS - 1);
    expect(starts.withdraw('a')).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    expect(statements).toEqual([['b']]);
    expect(recorded.get('a')).toEqual({ recorded: true, stopRequested: false });
    expect(starts.withdraw('b')).toBe(false); // written already
  });
});
