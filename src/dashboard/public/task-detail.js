import { el, find, messageOf, setText } from './dom.js';
import { formatSpan, formatTime, isRetryable, STATUS_ICONS } from './format.js';
/** @import { Api } from './api.js' */
/** @import { TaskAttemptsJson, TaskJson } from '../api-json.js' */
/** @import { Child } from './dom.js' */
/** @import { createRetryTask } from './retry-task.js' */

/**
 * Why a queued task waits, for its detail: the reason, then the service's message.
 * @param {NonNullable<TaskJson['waiting']>} waiting
 */
function waitingText({ reason, message }) {
  return `${reason}: ${message}`;
}

/**
 * A task's detail in a dialog: payload, result or error, progress, timestamps and attempts, from
 * GET /tasks/:id (live events leave out payload and result). While it is open, a live change to the
 * task reads it again.
 * @param {object} options
 * @param {HTMLDialogElement} options.dialog holds a `[data-close]` and a `[data-retry]` button
 * @param {HTMLElement} options.heading
 * @param {HTMLElement} options.body
 * @param {HTMLElement} options.message
 * @param {Api} options.api
 * @param {ReturnType<typeof createRetryTask>['retry']} options.onRetry
 */
export function createTaskDetail({ dialog, heading, body, message, api, onRetry }) {
  /** @type {string | null} */
  let openId = null;
  /** @type {TaskJson | null} the task as last rendered */
  let shown = null;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let reloadTimer = null;
  /** @type {Element | null} */
  let opener = null;
  const closeButton = find(dialog, '[data-close]', HTMLButtonElement);
  const retryButton = find(dialog, '[data-retry]', HTMLButtonElement);

  closeButton.addEventListener('click', () => dialog.close());
  retryButton.addEventListener('click', () => void retryShown());
  async function retryShown() {
    if (!shown || retryButton.getAttribute('aria-disabled') === 'true') return;
    const id = shown.id;
    retryButton.setAttribute('aria-disabled', 'true');
    setText(retryButton, 'retrying…');
    setText(message, '');
    const { queued, error } = await onRetry(shown);
    retryButton.removeAttribute('aria-disabled');
    setText(retryButton, 'Retry');
    if (openId !== id) return;
    // A refusal is shown here too: the notice under the page's header is behind the dialog.
    if (error) setText(message, `⚠ ${error}`);
    if (queued) {
      setText(message, `Task ${id} is queued again; its earlier attempts stay below.`);
      // The Retry button goes away with the failed status: the focus goes to a control that stays.
      closeButton.focus();
      void load(id);
    }
  }
  dialog.addEventListener('close', () => {
    openId = null;
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  });

  /** @param {unknown} value */
  const json = (value) => el('pre', {}, JSON.stringify(value, null, 2) ?? 'null');

  /**
   * @param {string} name
   * @param {...Child} value
   */
  function field(name, ...value) {
    return [el('dt', {}, name), el('dd', {}, ...value)];
  }

  /**
   * @param {TaskJson} task
   * @param {TaskAttemptsJson['attempts']} attempts
   */
  function render(task, attempts) {
    shown = task;
    setText(heading, `Task ${task.id}`);
    retryButton.hidden = !isRetryable(task);
    retryButton.setAttribute('aria-label', `Retry task ${task.id}`);
    const duration =
      task.startedAt && task.finishedAt ? formatSpan(Date.parse(task.finishedAt) - Date.parse(task.startedAt)) : '—';
    const status = el(
      'span',
      { class: 'status', 'data-status': task.status },
      el('span', { class: 'icon', 'aria-hidden': 'true' }, STATUS_ICONS[task.status] ?? '?'),
      ' ',
      el('span', {}, task.status),
    );
    const progress = task.progress
      ? [
          el('progress', { max: '100', value: String(task.progress.percent), 'aria-label': 'Progress' }),
          ` ${task.progress.percent}%${task.progress.message ? ` — ${task.progress.message}` : ''}`,
        ]
      : ['—'];
    const parts = [
      el(
        'dl',
        { class: 'detail-fields' },
        ...field('Type', task.type),
        ...field('Status', status),
        ...(task.waiting ? field('Waiting', waitingText(task.waiting)) : []),
        ...field('Queue', task.queue ?? 'default'),
        ...(task.key ? field('Key', task.key) : []),
        ...field('Priority', String(task.priority)),
        ...field('Attempt', `${task.attempt} of at most ${task.maxAttempts}`),
        ...field('Timeout', task.timeoutMs === null ? 'none' : formatSpan(task.timeoutMs)),
        ...field('Worker', task.workerId ?? '—'),
        ...field('Progress', ...progress),
        ...field('Created', formatTime(task.createdAt)),
        ...field('Run at', formatTime(task.runAt)),
        ...field('Started', formatTime(task.startedAt)),
        ...field('Finished', formatTime(task.finishedAt)),
        ...field('Duration', duration),
        ...field('Stop requested', formatTime(task.cancelRequestedAt)),
      ),
      el('h3', {}, 'Payload'),
      json(task.payload),
    ];
    if (task.error) parts.push(el('h3', {}, 'Error'), json(task.error));
    if (task.status === 'succeeded') parts.push(el('h3', {}, 'Result'), json(task.result));
    if (attempts.length > 0) {
      parts.push(
        el('h3', {}, 'Attempts'),
        el(
          'ol',
          { class: 'attempts' },
          ...attempts.map((attempt, index) => {
            const took = attempt.finishedAt
              ? ` (${formatSpan(Date.parse(attempt.finishedAt) - Date.parse(attempt.startedAt))})`
              : ', running';
            const error = attempt.error?.message ? `: ${attempt.error.message}` : '';
            // A retry counts attempts from 1 again: an attempt number that does not go up marks one.
            const retried = index > 0 && attempt.attempt <= attempts[index - 1].attempt;
            return el(
              'li',
              { 'data-status': attempt.status },
              retried ? el('strong', { class: 'retried' }, '↻ Retried. ') : null,
              el('strong', {}, `Attempt ${attempt.attempt ?? index + 1}: `),
              `${STATUS_ICONS[attempt.status] ?? ''} ${attempt.status ?? ''} on ${attempt.workerId ?? '—'}, started ${formatTime(attempt.startedAt)}${took}${error}`,
            );
          }),
        ),
      );
    }
    body.replaceChildren(...parts);
  }

  /** @param {string} id */
  async function load(id) {
    try {
      const [task, history] = await Promise.all([api.getTask(id), api.attempts(id).catch(() => null)]);
      // GET /tasks/:id/attempts answers {attempts: [...]}, oldest first (or is missing on older services).
      if (openId === id) render(task, Array.isArray(history?.attempts) ? history.attempts : []);
    } catch (error) {
      if (openId === id)
        body.replaceChildren(
          el('p', { class: 'field-error', role: 'alert' }, `Could not load task ${id}: ${messageOf(error)}`),
        );
    }
  }

  return {
    /** @param {string} id */
    open(id) {
      opener = document.activeElement;
      openId = id;
      shown = null;
      retryButton.hidden = true;
      setText(message, '');
      setText(heading, `Task ${id}`);
      body.replaceChildren(el('p', { class: 'hint' }, 'Loading…'));
      dialog.showModal();
      void load(id);
    },
    /**
     * A live change to the open task: read it again, at most every half second.
     * @param {string} id
     */
    changed(id) {
      if (id !== openId || reloadTimer !== null) return;
      reloadTimer = setTimeout(() => {
        reloadTimer = null;
        if (openId !== null) void load(openId);
      }, 500);
    },
  };
}
