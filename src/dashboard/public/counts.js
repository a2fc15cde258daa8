import { setText, showMessage } from './dom.js';
import { STATUSES } from './format.js';

/** The five counts by status at the top of the page. */
export function createCounts({ container, note }) {
  const cells = Object.fromEntries(
    STATUSES.map((status) => [status, container.querySelector(`[data-count="${status}"]`)]),
  );
  return {
    show(counts) {
      for (const status of STATUSES) {
        const value = counts?.[status];
        setText(cells[status], Number.isFinite(value) ? value.toLocaleString() : '—');
      }
      showMessage(note, '');
    },
    /** Counts come from the live stream; without it and without a counts route there are none to show. */
    unavailable(reason) {
      for (const status of STATUSES) setText(cells[status], '—');
      showMessage(note, reason);
    },
  };
}
