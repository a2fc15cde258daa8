/**
 * Retry: POST /tasks/:id/retry puts a failed or cancelled task back to `queued` (no question asked: it
 * destroys nothing, and its earlier attempts stay in its history). A refusal (409: the task is no longer
 * failed or cancelled, or a live task holds its key) is shown with the server's message.
 */
export function createRetryTask({ api, onChanged, onBusy, onMessage, onDone }) {
  const retrying = new Set();

  /** Resolves to `{queued}`, the task as queued again, or `{error}`, the message shown for a refusal. */
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
      if (error.body?.task?.id === task.id) onChanged(error.body.task);
      const message = `Could not retry task ${task.id}: ${error.message}`;
      onMessage(message);
      return { error: message };
    }
  }

  return { retry, isRetrying: (id) => retrying.has(id) };
}
