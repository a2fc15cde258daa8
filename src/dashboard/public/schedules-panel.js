import { el, messageOf, setText, showMessage } from './dom.js';
import { createThrottledLoader } from './refresh.js';
/** @import { Api } from './api.js' */
/** @import { ScheduleJson } from '../api-json.js' */

/**
 * One schedule's card.
 * @typedef {object} ScheduleCard
 * @property {HTMLLIElement} element
 * @property {ScheduleJson | null} schedule the schedule as last shown
 * @property {string} shown the shown schedule as JSON, to rebuild the fields only when it changed
 * @property {(schedule: ScheduleJson) => void} update
 */

/** Schedules are read again with the queues, after a change, at most this often. */
const SCHEDULES_REFRESH_MS = 5000;

/** @type {Partial<Record<string, string>>} */
const OVERLAP = {
  skip: 'skip an occurrence while the previous task is queued or running',
  allow: 'submit every occurrence',
};
/** @type {Partial<Record<string, string>>} */
const SOURCE = { api: 'over the API', code: 'in code' };

/**
 * A time as the reader's local time, with the instant in a `<time>` element.
 * @param {string | null} iso
 * @param {string} none what to say without one
 */
const when = (iso, none) => (iso ? el('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString()) : none);

/**
 * The Schedules panel: every schedule (GET /schedules) with its timing, its task, when it runs next and
 * last, and Pause/Resume (PATCH /schedules/:name {"paused"}). Cards are updated in place, keyed by name.
 * @param {object} options
 * @param {HTMLUListElement} options.list
 * @param {HTMLElement} options.statusLine
 * @param {HTMLElement} options.error
 * @param {HTMLButtonElement} options.refreshButton
 * @param {Api} options.api
 * @param {(id: string) => void} options.onOpenTask the last task's id was clicked
 */
export function createSchedulesPanel({ list, statusLine, error, refreshButton, api, onOpenTask }) {
  /** @type {Map<string, ScheduleCard>} by name */
  const cards = new Map();

  /**
   * @param {string} name
   * @returns {ScheduleCard}
   */
  function createCard(name) {
    const stateBadge = el('span', { class: 'state' });
    const fields = el('dl', { class: 'card-fields' });
    const pauseButton = el('button', { type: 'button', class: 'secondary' });
    const element = el(
      'li',
      { class: 'card', 'data-schedule': name },
      el('div', { class: 'card-head' }, el('h3', {}, name), stateBadge),
      fields,
      el('div', { class: 'card-actions' }, pauseButton),
    );
    /** @type {ScheduleCard} */
    const card = { element, schedule: null, shown: '', update };

    pauseButton.addEventListener('click', () => void togglePaused());
    async function togglePaused() {
      if (pauseButton.getAttribute('aria-disabled') === 'true' || !card.schedule) return;
      const pausing = !card.schedule.paused;
      pauseButton.setAttribute('aria-disabled', 'true');
      setText(pauseButton, pausing ? 'pausing…' : 'resuming…');
      try {
        card.update(await api.setSchedulePaused(name, pausing));
        showMessage(error, '');
        setText(statusLine, `Schedule ${name} ${pausing ? 'paused: it submits nothing until resumed' : 'resumed'}.`);
      } catch (failure) {
        showMessage(error, `Could not ${pausing ? 'pause' : 'resume'} schedule ${name}: ${messageOf(failure)}`);
      } finally {
        pauseButton.removeAttribute('aria-disabled');
        if (card.schedule) card.update(card.schedule);
      }
    }

    /**
     * @param {string} label
     * @param {...(Node | string)} value
     */
    const field = (label, ...value) => [el('dt', {}, label), el('dd', {}, ...value)];

    /**
     * The last task's id, as a button that opens its detail.
     * @param {string} id
     */
    const taskLink = (id) => {
      const link = el('button', { type: 'button', class: 'link', 'aria-label': `Show task ${id}` }, id);
      link.addEventListener('click', () => onOpenTask(id));
      return link;
    };

    /** @param {ScheduleJson} schedule */
    function update(schedule) {
      card.schedule = schedule;
      stateBadge.dataset.state = schedule.paused ? 'paused' : 'active';
      setText(stateBadge, schedule.paused ? '‖ paused' : '▶ active');
      // The fields are rebuilt only when the schedule changed (they hold no control but the last task's link).
      const signature = JSON.stringify(schedule);
      if (card.shown !== signature) {
        card.shown = signature;
        const lastTask = schedule.lastTaskId ? taskLink(schedule.lastTaskId) : '—';
        fields.replaceChildren(
          ...field('When', el('code', {}, schedule.cron), ` (${schedule.timezone})`),
          ...field('Task', `${schedule.task?.type ?? '?'} in queue ${schedule.task?.queue ?? 'default'}`),
          ...field('Overlap', `${schedule.overlap}: ${OVERLAP[schedule.overlap] ?? ''}`),
          ...field('Next run', when(schedule.nextRunAt, schedule.paused ? 'none while paused' : '—')),
          ...field('Last run', when(schedule.lastRunAt, 'never')),
          ...field('Last task', lastTask),
          ...field('Declared', SOURCE[schedule.source] ?? schedule.source),
        );
      }
      if (pauseButton.getAttribute('aria-disabled') !== 'true') {
        setText(pauseButton, schedule.paused ? 'Resume' : 'Pause');
        pauseButton.setAttribute('aria-label', `${schedule.paused ? 'Resume' : 'Pause'} schedule ${name}`);
      }
    }
    return card;
  }

  async function load() {
    try {
      const { schedules } = await api.schedules();
      const names = new Set(schedules.map((schedule) => schedule.name));
      for (const [name, card] of cards) {
        if (names.has(name)) continue;
        card.element.remove();
        cards.delete(name);
      }
      list.querySelector('li.empty')?.remove();
      let position = list.firstElementChild;
      for (const schedule of schedules) {
        let card = cards.get(schedule.name);
        if (!card) {
          card = createCard(schedule.name);
          cards.set(schedule.name, card);
        }
        card.update(schedule);
        if (card.element === position) position = position.nextElementSibling;
        else list.insertBefore(card.element, position);
      }
      if (schedules.length === 0) {
        list.append(
          el('li', { class: 'empty hint' }, 'No schedules yet: they are declared with POST /schedules or in code.'),
        );
      }
      setText(
        statusLine,
        `${schedules.length} schedule${schedules.length === 1 ? '' : 's'}, read at ${new Date().toLocaleTimeString()}.`,
      );
      showMessage(error, '');
    } catch (failure) {
      showMessage(error, `Could not read the schedules: ${messageOf(failure)}`);
    }
  }

  const loader = createThrottledLoader(load, SCHEDULES_REFRESH_MS);
  refreshButton.addEventListener('click', () => void loader.now());

  return { load: loader.now, changed: loader.soon };
}
