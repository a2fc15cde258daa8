import { el, messageOf, setText, showMessage } from './dom.js';
import { formatSpan } from './format.js';
import { createThrottledLoader } from './refresh.js';
/** @import { Api } from './api.js' */
/** @import { WorkerJson } from '../api-json.js' */

/**
 * Workers are read again with the queues after a change, and on their own at least this often: a replica
 * that starts, stops or dies changes no task, so no event announces it.
 */
export const WORKERS_REFRESH_MS = 5000;

/**
 * @param {string} label
 * @param {...(Node | string)} value
 */
const field = (label, ...value) => [el('dt', {}, label), el('dd', {}, ...value)];

/**
 * An instant as the reader's local time, in a `<time>` element.
 * @param {string} iso
 */
const time = (iso) => el('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString());

/** @param {WorkerJson} worker */
function describeQueues(worker) {
  if (worker.queues === null) return 'all';
  return worker.queues
    .map((queue) => {
      const limit = worker.queueLimits[queue];
      return limit === undefined ? queue : `${queue} (at most ${limit} here)`;
    })
    .join(', ');
}

/**
 * One replica's card: live ones with their slots in use, types, queues and heartbeat age; gone ones
 * greyed, saying when they went.
 * @param {WorkerJson} worker
 * @param {number} now
 */
function workerCard(worker, now) {
  const beatAgo = `${formatSpan(now - Date.parse(worker.lastHeartbeatAt))} ago`;
  return el(
    'li',
    { class: worker.gone ? 'card worker gone' : 'card worker', 'data-worker': worker.id },
    el(
      'div',
      { class: 'card-head' },
      el('h3', {}, worker.id),
      el('span', { class: 'state', 'data-state': worker.gone ? 'gone' : 'live' }, worker.gone ? '○ gone' : '● live'),
    ),
    el(
      'dl',
      { class: 'card-fields' },
      ...(worker.gone && worker.goneAt ? field('Gone', time(worker.goneAt)) : []),
      ...field('Slots', `${worker.slotsInUse} of ${worker.slots} in use`),
      ...field('Types', worker.taskTypes.join(', ') || 'none'),
      ...field('Queues', describeQueues(worker)),
      ...field('Heartbeat', el('time', { datetime: worker.lastHeartbeatAt, title: worker.lastHeartbeatAt }, beatAgo)),
      ...field('Process', `${worker.host}, pid ${worker.pid}, tasksystem ${worker.version}`),
      ...field('Started', time(worker.startedAt)),
    ),
  );
}

/**
 * The Workers panel: the replicas that run tasks (GET /workers), live ones first, then those gone in the
 * last hour, greyed. The cards hold no control, so each read rebuilds them.
 * @param {object} options
 * @param {HTMLUListElement} options.list
 * @param {HTMLElement} options.statusLine
 * @param {HTMLElement} options.error
 * @param {HTMLButtonElement} options.refreshButton
 * @param {Api} options.api
 */
export function createWorkersPanel({ list, statusLine, error, refreshButton, api }) {
  async function load() {
    try {
      const workers = await api.workers();
      const now = Date.now();
      const cards = workers.map((worker) => workerCard(worker, now));
      if (workers.length === 0) {
        cards.push(
          el(
            'li',
            { class: 'empty hint' },
            'No replica runs tasks: queued tasks wait until one with the worker starts.',
          ),
        );
      }
      list.replaceChildren(...cards);
      const live = workers.filter((worker) => !worker.gone).length;
      const gone = workers.length - live;
      setText(
        statusLine,
        `${live} live${gone > 0 ? `, ${gone} gone in the last hour` : ''}, read at ${new Date(now).toLocaleTimeString()}.`,
      );
      showMessage(error, '');
    } catch (failure) {
      showMessage(error, `Could not read the workers: ${messageOf(failure)}`);
    }
  }

  const loader = createThrottledLoader(load, WORKERS_REFRESH_MS);
  refreshButton.addEventListener('click', () => void loader.now());
  setInterval(loader.soon, WORKERS_REFRESH_MS);

  return { load: loader.now, changed: loader.soon };
}
