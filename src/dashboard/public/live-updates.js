import { serverMessage } from './api.js';
import { messageOf } from './dom.js';
import { createSseParser } from './sse-parser.js';
/** @import { Auth } from './auth.js' */
/** @import { TaskCountsJson, TaskSummaryJson, ThroughputJson } from '../api-json.js' */
/** @import { ServerSentEvent } from './sse-parser.js' */

/** Polling period while the event stream is down. */
export const POLL_INTERVAL_MS = 3000;
/** The server comments every ~15 s; silence this long means the connection is dead without having closed. */
const STREAM_SILENCE_MS = 45_000;
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 30_000;

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What the page does with what arrives. `onPoll` reads what the stream would have brought; the mode is
 * `live` while the stream is connected, `polling` (with the reason) otherwise.
 * @typedef {object} LiveUpdateHandlers
 * @property {Auth} auth
 * @property {(task: TaskSummaryJson) => void} onTask
 * @property {(counts: TaskCountsJson) => void} onCounts
 * @property {(point: ThroughputJson) => void} onThroughput
 * @property {() => void} onResync
 * @property {() => Promise<unknown>} onPoll
 * @property {(mode: 'live' | 'polling', reason?: string) => void} onModeChange
 */

/**
 * Keeps the page current. It reads GET /tasks/events with fetch() (EventSource cannot send the API key)
 * and hands each event to the page. Whenever the stream is not connected — refused, dropped, or silent
 * too long — it polls instead (`onPoll` every POLL_INTERVAL_MS) and keeps trying to reconnect with
 * backoff, up to 30 s apart.
 * @param {LiveUpdateHandlers} handlers
 */
export function startLiveUpdates({ auth, onTask, onCounts, onThroughput, onResync, onPoll, onModeChange }) {
  /** @type {ReturnType<typeof setTimeout> | null} */
  let pollTimer = null;
  // Each run of polling has its own number: a poll still in flight when its run was stopped (and perhaps a
  // new one started) must not schedule another, or two runs would poll side by side.
  let pollRun = 0;
  let polling = false;

  /** @param {string} reason */
  const startPolling = (reason) => {
    onModeChange('polling', reason);
    if (polling) return;
    polling = true;
    const run = ++pollRun;
    const poll = async () => {
      try {
        await onPoll();
      } finally {
        if (run === pollRun) pollTimer = setTimeout(() => void poll(), POLL_INTERVAL_MS);
      }
    };
    pollTimer = setTimeout(() => void poll(), 0);
  };
  const stopPolling = () => {
    polling = false;
    pollRun++;
    if (pollTimer !== null) clearTimeout(pollTimer);
    pollTimer = null;
  };

  /** @param {ServerSentEvent} event */
  const dispatch = ({ event, data }) => {
    /** @type {unknown} */
    let parsed;
    try {
      parsed = JSON.parse(data);
    } catch {
      return; // A malformed event is skipped; the next resync or poll corrects whatever it carried.
    }
    // Each event's data is as the service documents it (docs/api.md, "The event stream").
    switch (event) {
      case 'task':
        onTask(/** @type {TaskSummaryJson} */ (parsed));
        break;
      case 'counts':
        onCounts(/** @type {TaskCountsJson} */ (parsed));
        break;
      case 'throughput':
        onThroughput(/** @type {ThroughputJson} */ (parsed));
        break;
      case 'resync':
        onResync();
        break;
      default:
        break; // Event types added later are ignored by this page.
    }
  };

  /**
   * Reads the stream until it ends or fails; returns the reason it is not (or no longer) connected.
   * @returns {Promise<string>}
   */
  async function readStream() {
    const controller = new AbortController();
    let response;
    try {
      response = await fetch('/tasks/events', {
        headers: { Accept: 'text/event-stream', ...auth.headers() },
        cache: 'no-store',
        signal: controller.signal,
      });
    } catch (error) {
      return `the live stream cannot be reached (${messageOf(error)})`;
    }
    if (response.status === 401) {
      /** @type {unknown} */
      const body = await response.json().catch(() => null);
      await auth.askForKey(serverMessage(body) ?? 'the live stream needs a valid API key');
      return 'waiting for an API key';
    }
    if (!response.ok || !response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      await response.body?.cancel();
      return `the live stream is unavailable (HTTP ${response.status})`;
    }

    stopPolling();
    onModeChange('live');
    // Events may have been missed between the last poll and now: re-read once.
    onResync();
    const parser = createSseParser(dispatch);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let watchdog = setTimeout(() => controller.abort(), STREAM_SILENCE_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'the live stream ended';
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), STREAM_SILENCE_MS);
        parser.push(value);
      }
    } catch (error) {
      return controller.signal.aborted
        ? 'the live stream went silent'
        : `the live stream dropped (${messageOf(error)})`;
    } finally {
      clearTimeout(watchdog);
    }
  }

  void (async () => {
    let delay = RECONNECT_MIN_MS;
    for (;;) {
      const connectedAt = Date.now();
      const reason = await readStream();
      // A connection that held for a while resets the backoff; one refused at once lengthens it.
      delay = Date.now() - connectedAt > RECONNECT_MAX_MS ? RECONNECT_MIN_MS : Math.min(delay * 2, RECONNECT_MAX_MS);
      startPolling(reason);
      await sleep(delay);
    }
  })();
}
