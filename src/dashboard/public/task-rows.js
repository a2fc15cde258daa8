import { el, setText } from './dom.js';
import { formatAge, formatDuration, isRetryable, isStoppable, STATUS_ICONS } from './format.js';
/** @import { TaskSummaryJson } from '../api-json.js' */

/**
 * The row's controls that stay while its task changes, for moving the focus to one.
 * @typedef {{ idButton: HTMLButtonElement, retryButton: HTMLButtonElement }} RowControls
 */
/**
 * What a row does when its buttons are used.
 * @typedef {object} RowActions
 * @property {(id: string) => void} onOpen the id was clicked: show the task's detail
 * @property {(task: TaskSummaryJson) => void} onStop
 * @property {(task: TaskSummaryJson, controls: RowControls) => void} onRetry
 */
/**
 * One task's row.
 * @typedef {object} TaskRow
 * @property {HTMLTableRowElement} element
 * @property {TaskSummaryJson} task the task as last shown
 * @property {(next: TaskSummaryJson, state: { stopping: boolean, retrying: boolean }) => void} update
 * @property {(now?: number) => void} refreshTimes age and duration, which change with the clock alone
 */

/**
 * One table row per task, updated in place: a live update changes the text of the cells that changed and
 * leaves the elements themselves (and so the keyboard focus on a Stop button) where they are.
 * @param {TaskSummaryJson} task
 * @param {RowActions} actions
 * @returns {TaskRow}
 */
export function createTaskRow(task, { onOpen, onStop, onRetry }) {
  const idButton = el('button', { type: 'button', class: 'link' });
  idButton.addEventListener('click', () => onOpen(row.task.id));
  const statusIcon = el('span', { class: 'icon', 'aria-hidden': 'true' });
  const statusWord = el('span');
  const statusBadge = el('span', { class: 'status' }, statusIcon, ' ', statusWord);
  // Why a queued task waits, as GET /tasks read it (live events do not carry it); its message on hover.
  const waitingBadge = el('span', { class: 'waiting-reason' });
  const stopButton = el('button', { type: 'button', class: 'stop' });
  stopButton.addEventListener('click', () => {
    if (stopButton.getAttribute('aria-disabled') === 'true') return;
    onStop(row.task);
  });
  const retryButton = el('button', { type: 'button', class: 'retry' });
  retryButton.addEventListener('click', () => {
    if (retryButton.getAttribute('aria-disabled') === 'true') return;
    onRetry(row.task, { idButton, retryButton });
  });
  const age = el('time');
  const cells = {
    id: el('td', { 'data-cell': 'id', 'data-label': 'Id' }, idButton),
    type: el('td', { 'data-cell': 'type', 'data-label': 'Type' }),
    queue: el('td', { 'data-cell': 'queue', 'data-label': 'Queue' }),
    status: el('td', { 'data-cell': 'status', 'data-label': 'Status' }, statusBadge),
    waiting: el('td', { 'data-cell': 'waiting', 'data-label': 'Waiting' }, waitingBadge),
    attempt: el('td', { 'data-cell': 'attempt', 'data-label': 'Attempt' }),
    worker: el('td', { 'data-cell': 'worker', 'data-label': 'Worker' }),
    age: el('td', { 'data-cell': 'age', 'data-label': 'Age' }, age),
    duration: el('td', { 'data-cell': 'duration', 'data-label': 'Duration' }),
    actions: el('td', { 'data-cell': 'actions' }, stopButton, retryButton),
  };
  const element = el('tr', { 'data-task-id': task.id }, ...Object.values(cells));
  /** @type {TaskRow} */
  const row = { element, task, update, refreshTimes };

  /** @type {TaskRow['update']} */
  function update(next, { stopping, retrying }) {
    row.task = { ...row.task, ...next };
    const current = row.task;
    setText(idButton, current.id);
    idButton.setAttribute('aria-label', `Show task ${current.id}`);
    setText(cells.type, current.type);
    setText(cells.queue, current.queue ?? 'default');
    statusBadge.dataset.status = current.status;
    setText(statusIcon, STATUS_ICONS[current.status] ?? '?');
    setText(statusWord, current.status);
    const waiting = current.status === 'queued' ? current.waiting : undefined;
    waitingBadge.hidden = !waiting;
    setText(waitingBadge, waiting?.reason ?? '');
    if (waiting) waitingBadge.title = waiting.message;
    else waitingBadge.removeAttribute('title');
    setText(cells.attempt, `${current.attempt}/${current.maxAttempts}`);
    setText(cells.worker, current.workerId ?? '—');
    age.setAttribute('datetime', current.createdAt);
    refreshTimes();

    // A stop asked for (here or anywhere: cancelRequestedAt) shows `cancelling…` until the task ends.
    const cancelling = isStoppable(current) && (stopping || current.cancelRequestedAt !== null);
    stopButton.hidden = !isStoppable(current);
    setText(stopButton, cancelling ? 'cancelling…' : 'Stop');
    stopButton.setAttribute('aria-label', cancelling ? `Task ${current.id} is cancelling` : `Stop task ${current.id}`);
    if (cancelling) stopButton.setAttribute('aria-disabled', 'true');
    else stopButton.removeAttribute('aria-disabled');
    statusBadge.classList.toggle('is-cancelling', cancelling);

    // Retry on failed and cancelled tasks: `retrying…` while the request is out.
    retryButton.hidden = !isRetryable(current);
    setText(retryButton, retrying ? 'retrying…' : 'Retry');
    retryButton.setAttribute(
      'aria-label',
      retrying ? `Task ${current.id} is being retried` : `Retry task ${current.id}`,
    );
    if (retrying) retryButton.setAttribute('aria-disabled', 'true');
    else retryButton.removeAttribute('aria-disabled');
  }

  /** @type {TaskRow['refreshTimes']} */
  function refreshTimes(now = Date.now()) {
    setText(age, formatAge(row.task, now));
    setText(cells.duration, formatDuration(row.task, now));
  }

  return row;
}
