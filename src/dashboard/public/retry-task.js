import { ApiError } from './api.js';
import { messageOf } from './dom.js';
/** @import { Api } from './api.js' */
/** @import { TaskJson, TaskSummaryJson } from '../api-json.js' */

/**
 * Retry: POST /tasks/:id/retry puts a failed or cancelled task back to `queued` (no question asked: it
 * destroys nothing, and its earlier attempts stay in its history). A refusal (409: the task is no longer
 * failed or cancelled, or a live task holds its key) is shown with the server's message.
 * @param {object} options
 * @param {Api} options.api
 * @param {(task: TaskSummaryJson) => void} options.onChanged the task is now as given
 * @param {() => void} options.onBusy a retry started or ended: buttons read `retrying…` or not
 * @param {(message: string | null) => void} options.onMessage a refusal to show, or null to clear it
 * @param {(message: string) => void} options.onDone a retry went through
 */
export function createRetryTask({ api, onChanged, onBusy, onMessage, onDone }) {
  /** @type {Set<string>} */
  const retrying = new Set();

  /**
   * Resolves to `{queued}`, the task as queued again, or `{error}`, the message shown for a refusal.
   * @param {Pick<TaskSummaryJson, 'id' | 'type'>} task
   * @returns {Promise<{ queued: TaskJson, error?: undefined } | { error: string, queued?: undefined }>}
   */
  async function retry(task) {
    if (retrying.has(task.id)) return { error: `Task ${task.id} is already being retried.` };
    onMessage(null);
    retrying.add(task.id);
    onBusy();
    try {
      const queued = await api.retryTask(task.id);
      retrying.delete(task.id);
      onChanged(queued);
      // Shown at once (not with the next batch of live changes), so the `queued` status is seen even when
      // the task is claimed and done within a moment.
      onBusy();
      onDone(`Task ${task.id} (${task.type}) is queued again.`);
      return { queued };
    } catch (error) {
      retrying.delete(task.id);
      onBusy();
      // A 409 that names the task's status carries the task: show it as it is now.
      const current = error instanceof ApiError ? error.body?.task : undefined;
      if (current?.id === task.id) onChanged(current);
      const message = `Could not retry task ${task.id}: ${messageOf(error)}`;
      onMessage(message);
      return { error: message };
    }
  }

  /** @param {string} id */
  const isRetrying = (id) => retrying.has(id);

  return { retry, isRetrying };
}
