import { setText } from './dom.js';
/** @import { ThroughputJson } from '../api-json.js' */

const WINDOW_SECONDS = 120;
const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = WINDOW_SECONDS * 4;
const HEIGHT = 100;
/** @typedef {'succeeded' | 'failed' | 'cancelled'} FinishedStatus */
/** @type {readonly FinishedStatus[]} */
const KINDS = ['succeeded', 'failed', 'cancelled'];

/**
 * Tasks finished per second over the last two minutes, as stacked bars in an inline SVG, from the
 * stream's `throughput` events. Times are the server's (`at`), advanced by the local clock between
 * events, so a skewed browser clock does not shift the bars. The sentence under the chart says the same
 * in words, for screen readers and for anyone who cannot tell the colours apart.
 * @param {{ container: HTMLElement, summary: HTMLElement }} elements
 */
export function createThroughputChart({ container, summary }) {
  /** @type {Map<number, Record<FinishedStatus, number>>} server second (ms since epoch, whole seconds) -> counts */
  const seconds = new Map();
  /** @type {number | null} server time minus local time, from the last event */
  let serverOffsetMs = null;
  let live = false;

  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('aria-hidden', 'true');
  container.append(svg);

  const serverNow = () => Date.now() + (serverOffsetMs ?? 0);

  function draw() {
    const now = Math.floor(serverNow() / 1000) * 1000;
    const oldest = now - (WINDOW_SECONDS - 1) * 1000;
    for (const at of seconds.keys()) if (at < oldest) seconds.delete(at);

    let peak = 1;
    /** @type {Record<FinishedStatus, number>} */
    const totals = { succeeded: 0, failed: 0, cancelled: 0 };
    for (const counts of seconds.values()) {
      peak = Math.max(peak, counts.succeeded + counts.failed + counts.cancelled);
      for (const kind of KINDS) totals[kind] += counts[kind];
    }

    const bars = [];
    const barWidth = WIDTH / WINDOW_SECONDS;
    for (const [at, counts] of seconds) {
      const x = ((at - oldest) / 1000) * barWidth;
      let top = HEIGHT;
      for (const kind of KINDS) {
        if (counts[kind] === 0) continue;
        const height = (counts[kind] / peak) * (HEIGHT - 4);
        top -= height;
        const bar = document.createElementNS(SVG_NS, 'rect');
        bar.setAttribute('class', `bar-${kind}`);
        bar.setAttribute('x', x.toFixed(2));
        bar.setAttribute('y', top.toFixed(2));
        bar.setAttribute('width', (barWidth * 0.8).toFixed(2));
        bar.setAttribute('height', height.toFixed(2));
        bars.push(bar);
      }
    }
    const baseline = document.createElementNS(SVG_NS, 'line');
    baseline.setAttribute('class', 'axis');
    baseline.setAttribute('x1', '0');
    baseline.setAttribute('x2', String(WIDTH));
    baseline.setAttribute('y1', String(HEIGHT - 0.5));
    baseline.setAttribute('y2', String(HEIGHT - 0.5));
    svg.replaceChildren(baseline, ...bars);

    if (!live) return;
    const finished = totals.succeeded + totals.failed + totals.cancelled;
    setText(
      summary,
      finished === 0
        ? 'Nothing finished in the last 2 minutes.'
        : `Last 2 minutes: ${totals.succeeded} succeeded, ${totals.failed} failed, ${totals.cancelled} cancelled; at most ${peak} in one second.`,
    );
  }

  setInterval(draw, 1000);

  return {
    /** @param {Partial<ThroughputJson> & Pick<ThroughputJson, 'at'>} point */
    add({ at, succeeded = 0, failed = 0, cancelled = 0 }) {
      const atMs = Date.parse(at);
      if (!Number.isFinite(atMs)) return;
      serverOffsetMs = atMs - Date.now();
      // `at` ends the second the counts cover: they belong to the second before it.
      seconds.set(Math.floor((atMs - 1) / 1000) * 1000, { succeeded, failed, cancelled });
      live = true;
      draw();
    },
    /**
     * Whether the chart is fed: it only is while the live stream is connected.
     * @param {boolean} isLive
     * @param {string} [reason] why it is not
     */
    setLive(isLive, reason) {
      live = isLive;
      if (isLive) draw();
      else
        setText(
          summary,
          `Chart paused: ${reason ?? 'the live stream is not connected'}. Counts and the list are polled.`,
        );
    },
  };
}
