/** How tasks read on the page: statuses with an icon and a word, ages and durations in human units. */
/** @import { TaskJson, TaskStatus } from '../api-json.js' */

/** @type {readonly TaskStatus[]} */
export const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

/**
 * The icon beside each status word: colour is never the only signal.
 * @type {Readonly<Record<TaskStatus, string>>}
 */
export const STATUS_ICONS = { queued: '◷', running: '▶', succeeded: '✓', failed: '✗', cancelled: '⊘' };

/** @param {Pick<TaskJson, 'status'>} task */
export const isStoppable = (task) => task.status === 'queued' || task.status === 'running';
/** @param {Pick<TaskJson, 'status'>} task */
export const isRetryable = (task) => task.status === 'failed' || task.status === 'cancelled';

/** @param {number} ms */
export function formatSpan(ms) {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.floor(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d`;
}

/**
 * Whole seconds, minutes, hours or days: for times the list refreshes every second.
 * @param {number} ms
 */
function formatWholeSpan(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  return formatSpan(seconds * 1000);
}

/**
 * Age: how long ago the task was submitted.
 * @param {Pick<TaskJson, 'createdAt'>} task
 */
export function formatAge(task, now = Date.now()) {
  const ms = now - Date.parse(task.createdAt);
  return ms < 1000 ? 'just now' : `${formatWholeSpan(ms)} ago`;
}

/**
 * Duration: from start to end, or to now while it runs; empty if it never started.
 * @param {Pick<TaskJson, 'startedAt' | 'finishedAt'>} task
 */
export function formatDuration(task, now = Date.now()) {
  if (!task.startedAt) return '—';
  const end = task.finishedAt ? Date.parse(task.finishedAt) : now;
  const ms = end - Date.parse(task.startedAt);
  return task.finishedAt ? formatSpan(ms) : `${formatWholeSpan(ms)} so far`;
}

/**
 * A time as the reader's local time, followed by the instant as the API gave it.
 * @param {string | null | undefined} iso
 */
export function formatTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return `${date.toLocaleString()} (${iso})`;
}
