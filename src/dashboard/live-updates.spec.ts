import { jest } from '@jest/globals';

/** What the spec uses of the page's module (plain browser JavaScript, typed by JSDoc for its own check). */
interface LiveUpdates {
  startLiveUpdates: (handlers: {
    auth: { headers(): Record<string, string>; askForKey(reason?: string): Promise<void> };
    onTask(): void;
    onCounts(): void;
    onThroughput(): void;
    onResync(): void;
    onPoll(): Promise<unknown>;
    onModeChange(mode: string, reason?: string): void;
  }) => void;
  POLL_INTERVAL_MS: number;
}

// The module is loaded as the browser loads it: by URL, untransformed.
const { startLiveUpdates, POLL_INTERVAL_MS } = (await import(
  new URL('./public/live-updates.js', import.meta.url).href
)) as LiveUpdates;

/** A promise and its resolve, to hold a poll in flight for as long as the test wants. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('startLiveUpdates', () => {
  const realFetch = globalThis.fetch;
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    globalThis.fetch = realFetch;
  });

  it('polls at one pace when a poll is still in flight as the stream comes and goes', async () => {
    let endStream = (): void => {};
    const streams: (() => Response)[] = [
      () => new Response('not here', { status: 503 }),
      () =>
        new Response(new ReadableStream({ start: (controller) => (endStream = () => controller.close()) }), {
          headers: { 'content-type': 'text/event-stream' },
        }),
    ];
    // Later reconnections stay pending: the page keeps polling meanwhile.
    globalThis.fetch = () => {
      const next = streams.shift();
      return next ? Promise.resolve(next()) : new Promise<Response>(() => {});
    };
    const slowPoll = deferred();
    let polls = 0;
    const modes: string[] = [];
    startLiveUpdates({
      auth: { headers: () => ({}), askForKey: () => Promise.resolve() },
      onTask: () => {},
      onCounts: () => {},
      onThroughput: () => {},
      onResync: () => {},
      onPoll: () => (++polls === 1 ? slowPoll.promise : Promise.resolve()),
      onModeChange: (mode) => modes.push(mode),
    });

    // Refused: the page polls, and that first poll is slow.
    await jest.advanceTimersByTimeAsync(0);
    expect(polls).toBe(1);
    // The stream connects while the slow poll is out, then ends: polling starts again.
    await jest.advanceTimersByTimeAsync(2000);
    expect(modes).toEqual(['polling', 'live']);
    endStream();
    await jest.advanceTimersByTimeAsync(0);
    expect(modes).toEqual(['polling', 'live', 'polling']);
    expect(polls).toBe(2);
    // The slow poll of the run that stopped comes back: it must not start a second run beside the new one.
    slowPoll.resolve();
    await jest.advanceTimersByTimeAsync(3 * POLL_INTERVAL_MS);
    expect(polls).toBe(2 + 3);
  });
});
