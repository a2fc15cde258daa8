/** The page's entry: wires its parts together; each part lives in its own module. */
import { createApi } from './api.js';
import { createAuth } from './auth.js';
import { createCounts } from './counts.js';
import { byId, el, formControl, messageOf, setText, showMessage } from './dom.js';
import { POLL_INTERVAL_MS, startLiveUpdates } from './live-updates.js';
import { createQueuesPanel } from './queues-panel.js';
import { createRetryTask } from './retry-task.js';
import { createSchedulesPanel } from './schedules-panel.js';
import { createStopTask } from './stop-task.js';
import { BUILT_IN_TYPES, createSubmitForm } from './submit-form.js';
import { createTaskDetail } from './task-detail.js';
import { createTaskList } from './task-list.js';
import { createThroughputChart } from './throughput-chart.js';
import { createWorkersPanel } from './workers-panel.js';
/** @import { TaskSummaryJson } from '../api-json.js' */
/** @import { RowControls } from './task-rows.js' */

const notice = byId('notice', HTMLElement);
/** @param {string | null} message */
const showNotice = (message) => showMessage(notice, message);

const auth = createAuth({
  dialog: byId('api-key-dialog', HTMLDialogElement),
  form: byId('api-key-form', HTMLFormElement),
  input: byId('api-key-input', HTMLInputElement),
  error: byId('api-key-error', HTMLElement),
  forgetButton: byId('forget-key', HTMLButtonElement),
});
const api = createApi(auth);
const counts = createCounts({ container: byId('counts', HTMLElement), note: byId('counts-note', HTMLElement) });
const chart = createThroughputChart({
  container: byId('throughput-chart', HTMLElement),
  summary: byId('throughput-summary', HTMLElement),
});
const actionResult = byId('action-result', HTMLElement);
const filters = byId('filters', HTMLFormElement);
const retryTask = createRetryTask({
  api,
  onChanged: (task) => taskChanged(task),
  onBusy: () => list.refresh(),
  onMessage: showNotice,
  onDone: (message) => setText(actionResult, message),
});
const detail = createTaskDetail({
  dialog: byId('task-detail', HTMLDialogElement),
  heading: byId('detail-heading', HTMLElement),
  body: byId('detail-body', HTMLElement),
  message: byId('detail-message', HTMLElement),
  api,
  onRetry: (task) => retryTask.retry(task),
});

const stopTask = createStopTask({
  dialog: byId('stop-confirm', HTMLDialogElement),
  question: byId('stop-question', HTMLElement),
  api,
  onChanged: (task) => taskChanged(task),
  onMessage: showNotice,
});

const listError = byId('list-error', HTMLElement);
const list = createTaskList({
  heading: byId('tasks-heading', HTMLElement),
  tbody: byId('task-table', HTMLTableElement).tBodies[0],
  filtersForm: filters,
  statusLine: byId('list-status', HTMLElement),
  pager: {
    newest: byId('page-newest', HTMLButtonElement),
    newer: byId('page-newer', HTMLButtonElement),
    older: byId('page-older', HTMLButtonElement),
  },
  api,
  isStopping: stopTask.isStopping,
  onOpen: (id) => detail.open(id),
  onStop: (task) => void stopTask.stop(task),
  onRetry: (task, controls) => void retryFromRow(task, controls),
  isRetrying: retryTask.isRetrying,
  onError: (message) => showMessage(listError, message),
});

/**
 * @param {TaskSummaryJson} task
 * @param {RowControls} controls
 */
async function retryFromRow(task, { idButton, retryButton }) {
  const hadFocus = document.activeElement === retryButton;
  const { queued } = await retryTask.retry(task);
  // The Retry button leaves with the failed status: the focus goes to the row's id, which stays.
  const focusLost = document.activeElement === retryButton || document.activeElement === document.body;
  if (queued && hadFocus && focusLost && idButton.isConnected) idButton.focus();
}

/** @param {TaskSummaryJson} task */
function taskChanged(task) {
  stopTask.settle(task);
  list.applyChange(task);
  detail.changed(task.id);
}

const submitForm = createSubmitForm({
  form: byId('submit-form', HTMLFormElement),
  api,
  onSubmitted: (task) => {
    taskChanged(task);
    queues.sawQueue(task.queue);
  },
});

/**
 * The list's queue filter offers the queues GET /queues knows, keeping the current choice.
 * @param {string[]} names
 */
function showQueueNames(names) {
  const filterSelect = formControl(filters, 'queue', HTMLSelectElement);
  const choice = filterSelect.value;
  const options = ['', ...names, ...(choice && !names.includes(choice) ? [choice] : [])];
  if ([...filterSelect.options].map((option) => option.value).join('\n') !== options.join('\n')) {
    filterSelect.replaceChildren(...options.map((name) => el('option', { value: name }, name || 'any')));
    filterSelect.value = choice;
  }
  submitForm.setQueues(names, byId('queue-names', HTMLDataListElement));
}

const queues = createQueuesPanel({
  list: byId('queue-list', HTMLUListElement),
  statusLine: byId('queues-status', HTMLElement),
  error: byId('queues-error', HTMLElement),
  refreshButton: byId('queues-refresh', HTMLButtonElement),
  api,
  onQueues: showQueueNames,
});
const schedules = createSchedulesPanel({
  list: byId('schedule-list', HTMLUListElement),
  statusLine: byId('schedules-status', HTMLElement),
  error: byId('schedules-error', HTMLElement),
  refreshButton: byId('schedules-refresh', HTMLButtonElement),
  api,
  onOpenTask: (id) => detail.open(id),
});
const workers = createWorkersPanel({
  list: byId('worker-list', HTMLUListElement),
  statusLine: byId('workers-status', HTMLElement),
  error: byId('workers-error', HTMLElement),
  refreshButton: byId('workers-refresh', HTMLButtonElement),
  api,
});
/** Tasks changed somewhere: the panels read again, at most every 5 s (GET /queues counts the whole table). */
function panelsChanged() {
  queues.changed();
  schedules.changed();
  workers.changed();
}

/** Counts without the stream: the service's counts route, if it has one. */
async function pollCounts() {
  try {
    const current = await api.counts();
    if (current) counts.show(current);
    else counts.unavailable('Counts arrive with the live stream, which is not connected.');
  } catch (error) {
    counts.unavailable(`Could not read the counts: ${messageOf(error)}`);
  }
}

async function loadTypes() {
  let registered = null;
  try {
    registered = await api.taskTypes();
  } catch (error) {
    showNotice(`Could not read the task types (using the built-in list): ${messageOf(error)}`);
  }
  submitForm.setTypes(
    Array.isArray(registered) ? registered : BUILT_IN_TYPES,
    formControl(filters, 'type', HTMLSelectElement),
  );
}

const connection = byId('connection', HTMLElement);
let resyncing = false;
let resyncAgain = false;
/**
 * Re-reads the list. A resync asked for while one is in flight runs again after it: the one in flight may
 * have read the table before the events that the new request stands for.
 */
function resync() {
  if (resyncing) {
    resyncAgain = true;
    return;
  }
  resyncing = true;
  void list.load().finally(() => {
    resyncing = false;
    if (resyncAgain) {
      resyncAgain = false;
      resync();
    }
  });
}

startLiveUpdates({
  auth,
  onTask: taskChanged,
  onCounts: (current) => {
    counts.show(current);
    panelsChanged();
  },
  onThroughput: (point) => chart.add(point),
  onResync: resync,
  onPoll: () => {
    panelsChanged();
    return Promise.all([list.load(), pollCounts()]);
  },
  onModeChange: (mode, reason) => {
    connection.dataset.mode = mode;
    if (mode === 'live') {
      setText(connection, 'Live');
      chart.setLive(true);
    } else {
      setText(connection, `Updating every ${POLL_INTERVAL_MS / 1000} s (${reason}); reconnecting…`);
      chart.setLive(false, reason);
    }
  },
});

void loadTypes();
void list.load();
void queues.load();
void schedules.load();
void workers.load();
