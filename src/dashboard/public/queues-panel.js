import { el, messageOf, setText, showMessage } from './dom.js';
import { STATUS_ICONS, STATUSES } from './format.js';
import { createThrottledLoader } from './refresh.js';
/** @import { Api } from './api.js' */
/** @import { QueueJson } from '../api-json.js' */

/**
 * One queue's card.
 * @typedef {object} QueueCard
 * @property {HTMLLIElement} element
 * @property {QueueJson | null} queue the queue as last shown
 * @property {(queue: QueueJson) => void} update
 */

/** GET /queues counts the whole table: after a change it is read again at most this often. */
export const QUEUES_REFRESH_MS = 5000;

/**
 * The Queues panel: each queue (GET /queues) with its state, its cluster-wide limit and its tasks by
 * status, and Pause/Resume. Cards are updated in place, keyed by name, so a focused button keeps the focus
 * while the panel is read again.
 * @param {object} options
 * @param {HTMLUListElement} options.list
 * @param {HTMLElement} options.statusLine
 * @param {HTMLElement} options.error
 * @param {HTMLButtonElement} options.refreshButton
 * @param {Api} options.api
 * @param {(names: string[]) => void} options.onQueues the queues' names, each time they are read
 */
export function createQueuesPanel({ list, statusLine, error, refreshButton, api, onQueues }) {
  /** @type {Map<string, QueueCard>} by name */
  const cards = new Map();

  /**
   * @param {string} name
   * @returns {QueueCard}
   */
  function createCard(name) {
    const stateBadge = el('span', { class: 'state' });
    const counts = el('p', { class: 'queue-counts' });
    const limit = el('p', { class: 'queue-limit' });
    const waiting = el('p', { class: 'queue-waiting' });
    const pauseButton = el('button', { type: 'button', class: 'secondary' });
    const limitInput = el('input', { type: 'number', name: 'concurrency', min: '1', max: '10000', step: '1' });
    const limitForm = el(
      'form',
      { class: 'limit-form', novalidate: true },
      el('label', {}, 'Running at once, all replicas (empty: no limit)', limitInput),
      el('button', { type: 'submit', class: 'secondary' }, 'Set limit'),
    );
    const limitDetails = el('details', {}, el('summary', {}, 'Change limit'), limitForm);
    const element = el(
      'li',
      { class: 'card', 'data-queue': name },
      el('div', { class: 'card-head' }, el('h3', {}, name), stateBadge),
      counts,
      waiting,
      limit,
      el('div', { class: 'card-actions' }, pauseButton, limitDetails),
    );
    /** @type {QueueCard} */
    const card = { element, queue: null, update };

    pauseButton.addEventListener('click', () => void togglePaused());
    async function togglePaused() {
      if (pauseButton.getAttribute('aria-disabled') === 'true' || !card.queue) return;
      const pausing = !card.queue.paused;
      pauseButton.setAttribute('aria-disabled', 'true');
      setText(pauseButton, pausing ? 'pausing…' : 'resuming…');
      try {
        card.update(await api.setQueuePaused(name, pausing));
        showMessage(error, '');
        setText(statusLine, `Queue ${name} ${pausing ? 'paused: no replica starts its tasks' : 'resumed'}.`);
      } catch (failure) {
        showMessage(error, `Could not ${pausing ? 'pause' : 'resume'} queue ${name}: ${messageOf(failure)}`);
      } finally {
        pauseButton.removeAttribute('aria-disabled');
        if (card.queue) card.update(card.queue);
      }
    }

    limitForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void setLimit();
    });
    async function setLimit() {
      const text = limitInput.value.trim();
      const concurrency = text === '' ? null : Number(text);
      if (concurrency !== null && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10000)) {
        limitInput.setAttribute('aria-invalid', 'true');
        showMessage(error, `The limit of queue ${name} must be a whole number from 1 to 10000, or empty for none.`);
        limitInput.focus();
        return;
      }
      limitInput.removeAttribute('aria-invalid');
      try {
        card.update(await api.setQueueLimit(name, concurrency));
        showMessage(error, '');
        setText(statusLine, `Queue ${name}: ${describeLimit(concurrency)}.`);
      } catch (failure) {
        limitInput.setAttribute('aria-invalid', 'true');
        showMessage(error, `Could not change the limit of queue ${name}: ${messageOf(failure)}`);
        limitInput.focus();
      }
    }

    /** @param {QueueJson} queue */
    function update(queue) {
      card.queue = queue;
      stateBadge.dataset.state = queue.paused ? 'paused' : 'active';
      setText(stateBadge, queue.paused ? '‖ paused' : '▶ active');
      const parts = STATUSES.flatMap((status, index) => {
        const count = el(
          'span',
          { 'data-status': status },
          el('span', { class: 'icon', 'aria-hidden': 'true' }, STATUS_ICONS[status]),
          ` ${(queue.counts?.[status] ?? 0).toLocaleString()} ${status}`,
        );
        return index > 0 ? [' · ', count] : [count];
      });
      const countsText = parts.map((part) => (typeof part === 'string' ? part : part.textContent)).join('');
      if (counts.textContent !== countsText) counts.replaceChildren(...parts);
      setText(waiting, describeWaiting(queue));
      waiting.hidden = waiting.textContent === '';
      setText(limit, `Limit: ${describeLimit(queue.concurrency)}.${describeFlowControl(queue)}`);
      if (document.activeElement !== limitInput)
        limitInput.value = queue.concurrency === null ? '' : String(queue.concurrency);
      if (pauseButton.getAttribute('aria-disabled') !== 'true') {
        setText(pauseButton, queue.paused ? 'Resume' : 'Pause');
        pauseButton.setAttribute('aria-label', `${queue.paused ? 'Resume' : 'Pause'} queue ${name}`);
      }
    }
    return card;
  }

  async function load() {
    try {
      const { queues } = await api.queues();
      const names = new Set(queues.map((queue) => queue.name));
      for (const [name, card] of cards) {
        if (names.has(name)) continue;
        card.element.remove();
        cards.delete(name);
      }
      let position = list.firstElementChild;
      for (const queue of queues) {
        let card = cards.get(queue.name);
        if (!card) {
          card = createCard(queue.name);
          cards.set(queue.name, card);
        }
        card.update(queue);
        if (card.element === position) position = position.nextElementSibling;
        else list.insertBefore(card.element, position);
      }
      setText(
        statusLine,
        `${queues.length} queue${queues.length === 1 ? '' : 's'}, read at ${new Date().toLocaleTimeString()}.`,
      );
      showMessage(error, '');
      onQueues(queues.map((queue) => queue.name));
    } catch (failure) {
      showMessage(error, `Could not read the queues: ${messageOf(failure)}`);
    }
  }

  const loader = createThrottledLoader(load, QUEUES_REFRESH_MS);
  refreshButton.addEventListener('click', () => void loader.now());

  return {
    load: loader.now,
    /** Tasks changed (a counts event or a poll): read again, at most every QUEUES_REFRESH_MS. */
    changed: loader.soon,
    /**
     * A task was submitted: a queue the panel does not show yet is read at once.
     * @param {string | undefined} name
     */
    sawQueue(name) {
      if (!cards.has(name ?? 'default')) void loader.now();
      else loader.soon();
    },
  };
}

/**
 * Per-key concurrency and rate limit, set with PUT /queues/:name (shown, not edited, here).
 * @param {QueueJson} queue
 */
function describeFlowControl({ keyConcurrency, rateLimit }) {
  const perKey = keyConcurrency ? ` Per concurrency key: at most ${keyConcurrency} running at once.` : '';
  const rate = rateLimit
    ? ` Rate: at most ${rateLimit.limit} starts per ${rateLimit.intervalMs} ms${rateLimit.perKey ? ' per key' : ''}.`
    : '';
  return perKey + rate;
}

/** @param {number | null | undefined} concurrency */
function describeLimit(concurrency) {
  return concurrency === null || concurrency === undefined
    ? 'none (as many as the replicas run)'
    : `at most ${concurrency} running at once, all replicas together`;
}

/**
 * Why a queue's queued tasks wait, the reasons some task has: "Waiting: 3 queue-paused · 1 scheduled".
 * @param {QueueJson} queue
 */
function describeWaiting(queue) {
  const reasons = Object.entries(queue.waiting ?? {}).filter(([, count]) => count > 0);
  if (reasons.length === 0) return '';
  return `Waiting: ${reasons.map(([reason, count]) => `${count.toLocaleString()} ${reason}`).join(' · ')}`;
}
