import { setText } from './dom.js';

/**
 * Stop, with a confirmation first. The DELETE asks for the stop and returns at once (wait=0); from then
 * on the task's row shows `cancelling…` until the live updates (or polling) bring its final status.
 */
export function createStopTask({ dialog, question, api, onChanged, onMessage }) {
  const stopping = new Set();

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
      const { status, body } = await api.stopTask(task.id);
      if (status === 409) {
        stopping.delete(task.id);
        onMessage(`Task ${task.id} had already ${body?.task?.status ?? 'finished'}: nothing to stop.`);
        if (body?.task) onChanged(body.task);
        return;
      }
      onChanged(body);
    } catch (error) {
      stopping.delete(task.id);
      onChanged(task);
      onMessage(`Could not stop task ${task.id}: ${error.message}`);
    }
  }

  return {
    stop,
    isStopping: (id) => stopping.has(id),
    /** Forgets ended tasks, so the set stays as small as what is being stopped now. */
    settle(task) {
      if (task.status !== 'queued' && task.status !== 'running') stopping.delete(task.id);
    },
  };
}
