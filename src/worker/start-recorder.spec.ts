import { jest } from '@jest/globals';
import { StartRecorder } from './start-recorder.js';
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

  it('writes the starts handed in during one turn of the event loop in one statement, in the next turn', async () => {
    const { statements, recorded, record } = recorder();
    record('a');
    record('b');
    expect(statements).toEqual([]);
    await jest.advanceTimersByTimeAsync(0);
    expect(statements).toEqual([['a', 'b']]);
    expect(recorded.get('a')).toEqual({ recorded: true, stopRequested: false });
  });

  it('writes nothing for a start taken back in the turn it was handed in: it goes with its outcome', async () => {
    const { starts, statements, recorded, record } = recorder();
    record('a');
    record('b');
    expect(starts.withdraw('a')).toBe(true);
    await jest.advanceTimersByTimeAsync(0);
    expect(statements).toEqual([['b']]);
    expect(recorded.get('a')).toEqual({ recorded: true, stopRequested: false });
    expect(starts.withdraw('b')).toBe(false); // written already
  });
});
