import { messageOf, setText } from './dom.js';
/** @import { Api } from './api.js' */
/** @import { TaskSummaryJson } from '../api-json.js' */

/**
 * Stop, with a confirmation first. The DELETE asks for the stop and returns at once (wait=0); from then
 * on the task's row shows `cancelling…` until the live updates (or polling) bring its final status.
 * @param {object} options
 * @param {HTMLDialogElement} options.dialog the question; its Stop button closes it with returnValue `stop`
 * @param {HTMLElement} options.question
 * @param {Api} options.api
 * @param {(task: TaskSummaryJson) => void} options.onChanged the task is now as given (or is being stopped)
 * @param {(message: string | null) => void} options.onMessage a failure to show, or null to clear it
 */
export function createStopTask({ dialog, question, api, onChanged, onMessage }) {
  /** @type {Set<string>} */
  const stopping = new Set();

  /**
   * @param {TaskSummaryJson} task
   * @returns {Promise<boolean>} whether the user chose to stop it
   */
  function confirmStop(task) {
    setText(
      question,
      `Stop task ${task.id} (${task.type}, ${task.status})? A queued task will never start; a running one is told to stop.`,
    );
    dialog.returnValue = '';
    dialog.showModal();
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'stop'), { once: true });
    });
  }

  /** @param {TaskSummaryJson} task */
  async function stop(task) {
    const opener = document.activeElement;
    const confirmed = await confirmStop(task);
    // Back to the button that opened the dialog, which now reads `cancelling…`.
    if (opener instanceof HTMLElement) opener.focus();
    if (!confirmed) return;
    onMessage(null);
    stopping.add(task.id);
    onChanged(task);
    try {
      const answer = await api.stopTask(task.id);
      if (answer.alreadyEnded) {
        stopping.delete(task.id);
        onMessage(`Task ${task.id} had already ${answer.task?.status ?? 'finished'}: nothing to stop.`);
        if (answer.task) onChanged(answer.task);
        return;
      }
      onChanged(answer.task);
    } catch (error) {
      stopping.delete(task.id);
      onChanged(task);
      onMessage(`Could not stop task ${task.id}: ${messageOf(error)}`);
    }
  }

  return {
    stop,
    /** @param {string} id */
    isStopping: (id) => stopping.has(id),
    /**
     * Forgets ended tasks, so the set stays as small as what is being stopped now.
     * @param {Pick<TaskSummaryJson, 'id' | 'status'>} task
     */
    settle(task) {
      if (task.status !== 'queued' && task.status !== 'running') stopping.delete(task.id);
    },
  };
}
