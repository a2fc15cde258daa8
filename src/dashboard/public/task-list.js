import { el, messageOf, setText } from './dom.js';
import { createTaskRow } from './task-rows.js';
/** @import { Api } from './api.js' */
/** @import { TaskSummaryJson } from '../api-json.js' */
/** @import { RowActions, TaskRow } from './task-rows.js' */

export const PAGE_SIZE = 50;
/** Live events are applied together at most this often, so a burst of thousands costs one render. */
const RENDER_DELAY_MS = 100;

/**
 * @param {TaskSummaryJson} a
 * @param {TaskSummaryJson} b
 */
const byNewestFirst = (a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : BigInt(b.id) < BigInt(a.id) ? -1 : 0);

/**
 * The task list: filters, pages (GET /tasks with the API's cursor: ids below it, newest first) and live
 * changes. A page covers a range of ids; a changed task inside that range that matches the filters is
 * shown or updated there, and one that no longer matches leaves the list.
 * @param {object} options
 * @param {HTMLElement} options.heading takes the focus when a pager button that had it turns disabled
 * @param {HTMLTableSectionElement} options.tbody
 * @param {HTMLFormElement} options.filtersForm its `status`, `type` and `queue` controls filter the list
 * @param {HTMLElement} options.statusLine
 * @param {{ newest: HTMLButtonElement, newer: HTMLButtonElement, older: HTMLButtonElement }} options.pager
 * @param {Api} options.api
 * @param {(id: string) => boolean} options.isStopping
 * @param {(id: string) => boolean} options.isRetrying
 * @param {RowActions['onOpen']} options.onOpen
 * @param {RowActions['onStop']} options.onStop
 * @param {RowActions['onRetry']} options.onRetry
 * @param {(message: string | null) => void} options.onError a failure to read the list, or null once it is read
 */
export function createTaskList({
  heading,
  tbody,
  filtersForm,
  statusLine,
  pager,
  api,
  isStopping,
  onOpen,
  onStop,
  onRetry,
  isRetrying,
  onError,
}) {
  /** @type {Map<string, TaskRow>} */
  const rows = new Map();
  /**
   * The page, newest first: tasks as GET /tasks gave them, with the live changes (which leave out payload
   * and result) applied on top.
   * @type {TaskSummaryJson[]}
   */
  let tasks = [];
  let filters = { status: '', type: '', queue: '' };
  /** @type {string | null} null: the first page */
  let cursor = null;
  /** @type {(string | null)[]} */
  const previousCursors = [];
  /** @type {string | null} */
  let nextCursor = null;
  let loadSequence = 0;
  /** @type {TaskSummaryJson[] | null} */
  let changesDuringLoad = null;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let renderTimer = null;

  /** @param {TaskSummaryJson} task */
  const matches = (task) =>
    (!filters.status || filters.status.split(',').includes(task.status)) &&
    (!filters.type || filters.type === task.type) &&
    (!filters.queue || filters.queue === (task.queue ?? 'default'));

  /** @param {TaskSummaryJson} task */
  const withinPage = (task) => {
    const id = BigInt(task.id);
    if (cursor !== null && id >= BigInt(cursor)) return false;
    if (nextCursor !== null && tasks.length > 0 && id <= BigInt(tasks[tasks.length - 1].id)) return false;
    return true;
  };

  function scheduleRender() {
    if (renderTimer !== null) return;
    renderTimer = setTimeout(() => {
      renderTimer = null;
      render();
    }, RENDER_DELAY_MS);
  }

  function render() {
    const wanted = new Set(tasks.map((task) => task.id));
    for (const [id, row] of rows) {
      if (wanted.has(id)) continue;
      row.element.remove();
      rows.delete(id);
    }
    tbody.querySelector('tr.empty')?.remove();
    // Rows already in order stay put; only new or moved ones are inserted, so focus inside a row survives.
    let position = tbody.firstElementChild;
    for (const task of tasks) {
      let row = rows.get(task.id);
      if (!row) {
        row = createTaskRow(task, { onOpen, onStop, onRetry });
        rows.set(task.id, row);
      }
      row.update(task, { stopping: isStopping(task.id), retrying: isRetrying(task.id) });
      if (row.element === position) position = position.nextElementSibling;
      else tbody.insertBefore(row.element, position);
    }
    if (tasks.length === 0) {
      tbody.append(el('tr', { class: 'empty' }, el('td', { colspan: '10' }, 'No tasks match these filters.')));
    }
    const page = previousCursors.length + 1;
    setText(
      statusLine,
      `${tasks.length} task${tasks.length === 1 ? '' : 's'} on page ${page}, newest first${cursor === null ? ', updated live' : ''}.`,
    );
    const focused = document.activeElement;
    pager.newest.disabled = cursor === null;
    pager.newer.disabled = cursor === null;
    pager.older.disabled = nextCursor === null;
    // A pager button that just turned disabled would drop the keyboard focus to the page's start.
    if (focused instanceof HTMLButtonElement && focused.disabled) heading.focus();
  }

  /** @param {TaskSummaryJson} changed */
  function applyChange(changed) {
    changesDuringLoad?.push(changed);
    const index = tasks.findIndex((task) => task.id === changed.id);
    if (index !== -1) {
      if (matches(changed)) tasks[index] = { ...tasks[index], ...changed };
      else tasks.splice(index, 1);
    } else if (matches(changed) && withinPage(changed)) {
      tasks.push(changed);
      tasks.sort(byNewestFirst);
      if (tasks.length > PAGE_SIZE) {
        tasks.length = PAGE_SIZE;
        nextCursor = tasks[tasks.length - 1].id;
      }
    } else {
      return;
    }
    scheduleRender();
  }

  /** (Re)reads the current page. Changes that arrive meanwhile are applied again on top of what it read. */
  async function load() {
    const sequence = ++loadSequence;
    changesDuringLoad = [];
    try {
      const page = await api.listTasks({ ...filters, cursor, limit: PAGE_SIZE });
      if (sequence !== loadSequence) return;
      const replay = changesDuringLoad;
      changesDuringLoad = null;
      tasks = page.tasks;
      nextCursor = page.nextCursor;
      for (const change of replay) applyChange(change);
      render();
      onError(null);
    } catch (error) {
      if (sequence !== loadSequence) return;
      changesDuringLoad = null;
      onError(`Could not load the tasks: ${messageOf(error)}`);
    }
  }

  filtersForm.addEventListener('change', () => {
    const data = new FormData(filtersForm);
    /** @param {string} name */
    const chosen = (name) => {
      const value = data.get(name);
      return typeof value === 'string' ? value : '';
    };
    filters = { status: chosen('status'), type: chosen('type'), queue: chosen('queue') };
    cursor = null;
    previousCursors.length = 0;
    void load();
  });
  pager.older.addEventListener('click', () => {
    if (nextCursor === null) return;
    previousCursors.push(cursor);
    cursor = nextCursor;
    void load();
  });
  pager.newer.addEventListener('click', () => {
    if (cursor === null) return;
    cursor = previousCursors.pop() ?? null;
    void load();
  });
  pager.newest.addEventListener('click', () => {
    cursor = null;
    previousCursors.length = 0;
    void load();
  });

  setInterval(() => {
    const now = Date.now();
    for (const row of rows.values()) row.refreshTimes(now);
  }, 1000);

  return {
    load,
    applyChange,
    /** Re-renders the rows, e.g. after a stop was asked for. */
    refresh: render,
  };
}
