import { createApi } from './api.js';
import { createAuth } from './auth.js';
import { createCounts } from './counts.js';
import { el, setText, showMessage } from './dom.js';
import { POLL_INTERVAL_MS, startLiveUpdates } from './live-updates.js';
import { createQueuesPanel } from './queues-panel.js';
import { createRetryTask } from './retry-task.js';
import { createSchedulesPanel } from './schedules-panel.js';
import { createStopTask } from './stop-task.js';
import { BUILT_IN_TYPES, createSubmitForm } from './submit-form.js';
import { createTaskDetail } from './task-detail.js';
import { createTaskList } from './task-list.js';
import { createThroughputChart } from './throughput-chart.js';

/** Wires the page's parts together; each part lives in its own module. */
const byId = (id) => document.getElementById(id);

const notice = byId('notice');
const showNotice = (message) => showMessage(notice, message);

const auth = createAuth({
  dialog: byId('api-key-dialog'),
  form: byId('api-key-form'),
  input: byId('api-key-input'),
  error: byId('api-key-error'),
  forgetButton: byId('forget-key'),
});
const api = createApi(auth);
const counts = createCounts({ container: byId('counts'), note: byId('counts-note') });
const chart = createThroughputChart({ container: byId('throughput-chart'), summary: byId('throughput-summary') });
const actionResult = byId('action-result');
const retryTask = createRetryTask({
  api,
  onChanged: (task) => taskChanged(task),
  onBusy: () => list.refresh(),
  onMessage: showNotice,
  onDone: (message) => setText(actionResult, message),
});
const detail = createTaskDetail({
  dialog: byId('task-detail'),
  heading: byId('detail-heading'),
  body: byId('detail-body'),
  message: byId('detail-message'),
  api,
  onRetry: (task) => retryTask.retry(task),
});

const stopTask = createStopTask({
  dialog: byId('stop-confirm'),
  question: byId('stop-question'),
  api,
  onChanged: (task) => taskChanged(task),
  onMessage: showNotice,
});

const list = createTaskList({
  heading: byId('tasks-heading'),
  tbody: byId('task-table').tBodies[0],
  filtersForm: byId('filters'),
  statusLine: byId('list-status'),
  pager: { newest: byId('page-newest'), newer: byId('page-newer'), older: byId('page-older') },
  api,
  isStopping: stopTask.isStopping,
  onOpen: (id) => detail.open(id),
  onStop: (task) => void stopTask.stop(task),
  onRetry: async (task, { idButton, retryButton }) => {
    const hadFocus = document.activeElement === retryButton;
    const { queued } = await retryTask.retry(task);
    // The Retry button leaves with the failed status: the focus goes to the row's id, which stays.
    const focusLost = document.activeElement === retryButton || document.activeElement === document.body;
    if (queued && hadFocus && focusLost && idButton.isConnected) idButton.focus();
  },
  isRetrying: retryTask.isRetrying,
  onError: (message) => showMessage(byId('list-error'), message),
});

function taskChanged(task) {
  stopTask.settle(task);
  list.applyChange(task);
  detail.changed(task.id);
}

const submitForm = createSubmitForm({
  form: byId('submit-form'),
  api,
  onSubmitted: (task) => {
    taskChanged(task);
    queues.sawQueue(task.queue);
  },
});

/** The list's queue filter offers the queues GET /queues knows, keeping the current choice. */
function showQueueNames(names) {
  const filterSelect = byId('filters').elements.namedItem('queue');
  const choice = filterSelect.value;
  const options = ['', ...names, ...(choice && !names.includes(choice) ? [choice] : [])];
  if ([...filterSelect.options].map((option) => option.value).join('\n') !== options.join('\n')) {
    filterSelect.replaceChildren(...options.map((name) => el('option', { value: name }, name || 'any')));
    filterSelect.value = choice;
  }
  submitForm.setQueues(names, byId('queue-names'));
}

const queues = createQueuesPanel({
  list: byId('queue-list'),
  statusLine: byId('queues-status'),
  error: byId('queues-error'),
  refreshButton: byId('queues-refresh'),
  api,
  onQueues: showQueueNames,
});
const schedules = createSchedulesPanel({
  list: byId('schedule-list'),
  statusLine: byId('schedules-status'),
  error: byId('schedules-error'),
  refreshButton: byId('schedules-refresh'),
  api,
  onOpenTask: (id) => detail.open(id),
});
/** Tasks changed somewhere: the panels read again, at most every 5 s (GET /queues counts the whole table). */
function panelsChanged() {
  queues.changed();
  schedules.changed();
}

/** Counts without the stream: the service's counts route, if it has one. */
async function pollCounts() {
  try {
    const current = await api.counts();
    if (current) counts.show(current);
    else counts.unavailable('Counts arrive with the live stream, which is not connected.');
  } catch (error) {
    counts.unavailable(`Could not read the counts: ${error.message}`);
  }
}

async function loadTypes() {
  let registered = null;
  try {
    registered = await api.taskTypes();
  } catch (error) {
    showNotice(`Could not read the task types (using the built-in list): ${error.message}`);
  }
  submitForm.setTypes(
    Array.isArray(registered) ? registered : BUILT_IN_TYPES,
    byId('filters').elements.namedItem('type'),
  );
}

const connection = byId('connection');
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
