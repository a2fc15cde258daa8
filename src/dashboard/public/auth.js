/**
 * The API key, when the service asks for one (a 401). It is kept in sessionStorage only: it lives as long
 * as this tab, is never written to disk storage or a cookie, and is sent as `Authorization: Bearer <key>`.
 */
const STORAGE_KEY = 'tasksystem.apiKey';

/**
 * @param {{ dialog: HTMLDialogElement, form: HTMLFormElement, input: HTMLInputElement, error: HTMLElement,
 *   forgetButton: HTMLButtonElement }} elements
 */
export function createAuth({ dialog, form, input, error, forgetButton }) {
  /**
   * The question being asked, which every request refused meanwhile waits for.
   * @type {{ promise: Promise<void>, resolve: () => void } | null}
   */
  let pending = null;

  const currentKey = () => sessionStorage.getItem(STORAGE_KEY);
  /** @returns {Record<string, string>} */
  const headers = () => {
    const key = currentKey();
    return key ? { Authorization: `Bearer ${key}` } : {};
  };
  const showForget = () => {
    forgetButton.hidden = !currentKey();
  };

  // The page can do nothing without a key, so Escape does not dismiss the question.
  dialog.addEventListener('cancel', (event) => event.preventDefault());

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      error.textContent = 'Enter the API key.';
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    sessionStorage.setItem(STORAGE_KEY, key);
    input.value = '';
    input.removeAttribute('aria-invalid');
    dialog.close();
    showForget();
    const resolve = pending?.resolve;
    pending = null;
    resolve?.();
  });

  forgetButton.addEventListener('click', () => {
    sessionStorage.removeItem(STORAGE_KEY);
    showForget();
    window.location.reload();
  });

  showForget();

  return {
    headers,
    /**
     * Asks for a key, with the server's reason (no key sent, or a wrong one), and resolves once one is
     * entered. Requests that get a 401 meanwhile all wait for the same answer.
     * @param {string} [reason]
     * @returns {Promise<void>}
     */
    askForKey(reason) {
      if (!pending) {
        /** @type {() => void} */
        let resolve = () => {};
        /** @type {Promise<void>} */
        const promise = new Promise((r) => (resolve = r));
        pending = { promise, resolve };
      }
      if (currentKey()) sessionStorage.removeItem(STORAGE_KEY);
      showForget();
      error.textContent = reason ?? '';
      error.hidden = !reason;
      if (!dialog.open) dialog.showModal();
      input.focus();
      return pending.promise;
    },
  };
}

/** @typedef {ReturnType<typeof createAuth>} Auth */
