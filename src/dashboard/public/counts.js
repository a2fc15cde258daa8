import { find, setText, showMessage } from './dom.js';
import { STATUSES } from './format.js';
/** @import { TaskCountsJson } from '../api-json.js' */

/**
 * The five counts by status at the top of the page.
 * @param {{ container: HTMLElement, note: HTMLElement }} elements
 */
export function createCounts({ container, note }) {
  const cells = STATUSES.map((status) => ({ status, cell: find(container, `[data-count="${status}"]`, HTMLElement) }));
  return {
    /** @param {TaskCountsJson} counts */
    show(counts) {
      for (const { status, cell } of cells) {
        const value = counts[status];
        setText(cell, Number.isFinite(value) ? value.toLocaleString() : '—');
      }
      showMessage(note, '');
    },
    /**
     * Counts come from the live stream; without it and without a counts route there are none to show.
     * @param {string} reason
     */
    unavailable(reason) {
      for (const { cell } of cells) setText(cell, '—');
      showMessage(note, reason);
    },
  };
}
