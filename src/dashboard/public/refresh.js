/**
 * Reads something again after a change, at most once every `minGapMs`: changes that come sooner are read
 * once, at the end of the gap, however many came. `now()` reads at once (a Refresh button, the first load).
 * @param {() => Promise<void>} load
 * @param {number} minGapMs
 */
export function createThrottledLoader(load, minGapMs) {
  let lastStart = -Infinity;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;

  /** @returns {Promise<void>} */
  function now() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    lastStart = Date.now();
    return load();
  }

  return {
    now,
    /** Something changed: read again as soon as the gap allows. */
    soon: () => {
      if (timer !== null) return;
      timer = setTimeout(
        () => {
          timer = null;
          void now();
        },
        Math.max(0, lastStart + minGapMs - Date.now()),
      );
    },
  };
}
