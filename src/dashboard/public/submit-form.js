import { ApiError } from './api.js';
import { el, find, formControl, messageOf, setText, showMessage } from './dom.js';
/** @import { Api } from './api.js' */
/** @import { TaskJson, TaskSubmissionJson, TaskTypeJson } from '../api-json.js' */

/**
 * Used until the service lists its task types (GET /tasks/types).
 * @type {TaskTypeJson[]}
 */
export const BUILT_IN_TYPES = [
  { type: 'demo', description: 'Works for a random 1–5 s; the result is the payload.' },
  { type: 'sleep', description: 'Waits payload.ms milliseconds, and stops when told to.' },
  { type: 'fail', description: 'Throws on its first payload.times attempts, then succeeds.' },
];

/**
 * A payload to start from for the types we ship; the user's own text is never overwritten.
 * @type {Partial<Record<string, unknown>>}
 */
const EXAMPLE_PAYLOADS = {
  demo: { name: 'Jean', number: '42' },
  sleep: { ms: 5000 },
  fail: { times: 1, message: 'failing on purpose' },
  cpu: { ms: 2000 },
};
/** @param {string} type */
const exampleFor = (type) => JSON.stringify(EXAMPLE_PAYLOADS[type] ?? {});

/**
 * The submit form. The payload is parsed in the browser first: text that is not JSON gets a message
 * beside the field and nothing is sent. What the server refuses (unknown type, values out of range)
 * is shown with the server's own message.
 * @param {object} options
 * @param {HTMLFormElement} options.form
 * @param {Api} options.api
 * @param {(task: TaskJson) => void} options.onSubmitted
 */
export function createSubmitForm({ form, api, onSubmitted }) {
  const typeSelect = formControl(form, 'type', HTMLSelectElement);
  const payload = formControl(form, 'payload', HTMLTextAreaElement);
  const priority = formControl(form, 'priority', HTMLInputElement);
  const runAt = formControl(form, 'runAt', HTMLInputElement);
  const queue = formControl(form, 'queue', HTMLInputElement);
  const key = formControl(form, 'key', HTMLInputElement);
  const concurrencyKey = formControl(form, 'concurrencyKey', HTMLInputElement);
  const typeHint = find(form, '#submit-type-hint', HTMLElement);
  const payloadError = find(form, '#submit-payload-error', HTMLElement);
  const fieldError = find(form, '#submit-field-error', HTMLElement);
  const result = find(form, '#submit-result', HTMLElement);
  const submitButton = find(form, 'button[type="submit"]', HTMLButtonElement);
  let types = BUILT_IN_TYPES;

  const describeType = () => setText(typeHint, types.find((t) => t.type === typeSelect.value)?.description ?? '');

  /** The type whose example the payload may still hold ('' before any: its example is `{}`). */
  let previousType = '';
  typeSelect.addEventListener('change', () => {
    if (payload.value.trim() === '' || payload.value === exampleFor(previousType))
      payload.value = exampleFor(typeSelect.value);
    previousType = typeSelect.value;
    describeType();
  });

  /**
   * @param {HTMLInputElement | HTMLTextAreaElement} input
   * @param {HTMLElement} messageElement
   * @param {string} message
   */
  function invalid(input, messageElement, message) {
    showMessage(messageElement, message);
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', messageElement.id);
    input.focus();
  }
  function clearErrors() {
    showMessage(payloadError, '');
    showMessage(fieldError, '');
    for (const input of [payload, priority, runAt, queue, key, concurrencyKey]) input.removeAttribute('aria-invalid');
    priority.removeAttribute('aria-describedby');
    runAt.removeAttribute('aria-describedby');
    queue.removeAttribute('aria-describedby');
    key.setAttribute('aria-describedby', 'submit-key-hint');
  }

  /**
   * The body to send, or null after showing what is wrong.
   * @returns {TaskSubmissionJson | null}
   */
  function read() {
    /** @type {unknown} */
    let parsedPayload;
    try {
      parsedPayload = JSON.parse(payload.value.trim() === '' ? '{}' : payload.value);
    } catch (error) {
      invalid(payload, payloadError, `The payload is not valid JSON: ${messageOf(error)}. Nothing was sent.`);
      return null;
    }
    /** @type {TaskSubmissionJson} */
    const submission = { type: typeSelect.value, payload: parsedPayload };
    const priorityValue = Number(priority.value === '' ? '0' : priority.value);
    if (!Number.isInteger(priorityValue) || priorityValue < -100 || priorityValue > 100) {
      invalid(priority, fieldError, 'Priority must be a whole number from -100 to 100. Nothing was sent.');
      return null;
    }
    submission.priority = priorityValue;
    if (runAt.value) {
      // datetime-local has no time zone: it is the browser's local time, sent as an absolute instant.
      const instant = new Date(runAt.value);
      if (Number.isNaN(instant.getTime())) {
        invalid(runAt, fieldError, 'Run at is not a valid date and time. Nothing was sent.');
        return null;
      }
      submission.runAt = instant.toISOString();
    }
    // Empty: the service's defaults (queue `default`, no keys). The service checks the names themselves.
    if (queue.value.trim()) submission.queue = queue.value.trim();
    if (key.value) submission.key = key.value;
    if (concurrencyKey.value) submission.concurrencyKey = concurrencyKey.value;
    return submission;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });

  async function submit() {
    clearErrors();
    setText(result, '');
    const submission = read();
    if (!submission) return;
    submitButton.disabled = true;
    try {
      const { created, task } = await api.submitTask(submission);
      setText(
        result,
        created
          ? `Task ${task.id} (${task.type}) submitted.`
          : `Nothing new was submitted: the existing task ${task.id} (${task.type}, ${task.status}) holds the key "${task.key}".`,
      );
      onSubmitted(task);
    } catch (error) {
      const message = `The service refused the task: ${messageOf(error)}`;
      const status = error instanceof ApiError ? error.status : 0;
      // 409: the key is held by a task with another body; 400 naming the queue or key: that field.
      if (status === 409 && submission.key !== undefined) invalid(key, fieldError, message);
      else if (status === 400 && /\bqueue\b/.test(messageOf(error))) invalid(queue, fieldError, message);
      else if (status === 400 && /\bkey\b/.test(messageOf(error))) invalid(key, fieldError, message);
      else showMessage(fieldError, message);
    } finally {
      submitButton.disabled = false;
    }
  }

  return {
    /**
     * Offers the known queue names in the Queue field (a datalist: any other name can be typed).
     * @param {string[]} names
     * @param {HTMLDataListElement} datalist
     */
    setQueues(names, datalist) {
      datalist.replaceChildren(...names.map((name) => el('option', { value: name })));
    },
    /**
     * Fills the type menu (the form's and the list filter's) from the registered types.
     * @param {TaskTypeJson[]} registered
     * @param {HTMLSelectElement} filterSelect
     */
    setTypes(registered, filterSelect) {
      types = registered.length > 0 ? registered : BUILT_IN_TYPES;
      // The service's default type first, as a submission without a type would get it.
      const chosen = typeSelect.value || (types.some((t) => t.type === 'demo') ? 'demo' : types[0].type);
      typeSelect.replaceChildren(...types.map(({ type }) => el('option', { value: type }, type)));
      typeSelect.value = types.some((t) => t.type === chosen) ? chosen : types[0].type;
      const filterChoice = filterSelect.value;
      filterSelect.replaceChildren(
        el('option', { value: '' }, 'any'),
        ...types.map(({ type }) => el('option', { value: type }, type)),
      );
      filterSelect.value = filterChoice;
      if (payload.value.trim() === '' || payload.value === exampleFor(previousType))
        payload.value = exampleFor(typeSelect.value);
      previousType = typeSelect.value;
      describeType();
    },
  };
}
