import { el, setText } from './dom.js';
import { formatSpan, formatTime, STATUS_ICONS } from './format.js';

/**
 * A task's detail in a dialog: payload, result or error, progress, timestamps and attempts, from
 * GET /tasks/:id (live events leave out payload and result). While it is open, a live change to the
 * task reads it again.
 */
export function createTaskDetail({ dialog, heading, body, api }) {
  let openId = null;
  let reloadTimer = null;
  let opener = null;

  dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    openId = null;
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  });

  const json = (value) => el('pre', {}, JSON.stringify(value, null, 2) ?? 'null');

  function field(name, ...value) {
    return [el('dt', {}, name), el('dd', {}, ...value)];
  }

  function render(task, attempts) {
    setText(heading, `Task ${task.id}`);
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
        ...field('Queue', task.queue ?? 'default'),
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
          {},
          ...attempts.map((attempt) => {
            const took = attempt.finishedAt
              ? ` (${formatSpan(Date.parse(attempt.finishedAt) - Date.parse(attempt.startedAt))})`
              : ', running';
            const error = attempt.error?.message ? `: ${attempt.error.message}` : '';
            return el(
              'li',
              {},
              `${attempt.status ?? ''} on ${attempt.workerId ?? '—'}, started ${formatTime(attempt.startedAt)}${took}${error}`,
            );
          }),
        ),
      );
    }
    body.replaceChildren(...parts);
  }

  async function load(id) {
    try {
      const [task, history] = await Promise.all([api.getTask(id), api.attempts(id).catch(() => null)]);
      // GET /tasks/:id/attempts answers {attempts: [...]}, oldest first (or is missing on older services).
      if (openId === id) render(task, Array.isArray(history?.attempts) ? history.attempts : []);
    } catch (error) {
      if (openId === id)
        body.replaceChildren(
          el('p', { class: 'field-error', role: 'alert' }, `Could not load task ${id}: ${error.message}`),
        );
    }
  }

  return {
    open(id) {
      opener = document.activeElement;
      openId = id;
      setText(heading, `Task ${id}`);
      body.replaceChildren(el('p', { class: 'hint' }, 'Loading…'));
      dialog.showModal();
      void load(id);
    },
    /** A live change to the open task: read it again, at most every half second. */
    changed(id) {
      if (id !== openId || reloadTimer !== null) return;
      reloadTimer = setTimeout(() => {
        reloadTimer = null;
        if (openId !== null) void load(openId);
      }, 500);
    },
  };
}
