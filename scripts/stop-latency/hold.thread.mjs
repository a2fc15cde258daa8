// The thread module of the stop-latency script's `hold-isolated` type: an isolated handler that honours
// its AbortSignal, so its stop is the relay into the thread, not a terminate() after CANCEL_GRACE_MS.
// It reports progress on entry, so the script can tell its handler runs (the thread has started).
export function run(_payload, { signal, reportProgress }) {
  reportProgress(0, 'holding');
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}
