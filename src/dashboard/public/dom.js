/**
 * An attribute's value: `true` sets it empty, and `false`, null or undefined leave it out.
 * @typedef {string | number | boolean | null | undefined} AttributeValue
 */
/**
 * A child to append: a node or text; null, undefined and false are left out (for `condition ? x : null`).
 * @typedef {Node | string | null | undefined | false} Child
 */

/**
 * Builds elements from tag, attributes and children. Text always goes in through text nodes, never
 * innerHTML, so task data (payloads, error messages, type names) can never become markup.
 * @template {keyof HTMLElementTagNameMap} Tag
 * @param {Tag} tag
 * @param {Record<string, AttributeValue>} [attributes]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[Tag]}
 */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.filter((child) => child !== undefined && child !== null && child !== false));
  return element;
}

/**
 * The element of index.html with this id, of this kind. The modules rely on the page's markup; one that
 * is missing or of another kind stops the page at once, naming it, rather than failing later on a click.
 * @template {Element} T
 * @param {string} id
 * @param {new () => T} kind e.g. HTMLButtonElement
 * @returns {T}
 */
export function byId(id, kind) {
  return ofKind(document.getElementById(id), kind, `#${id}`);
}

/**
 * The first element under `root` that matches `selector`, of this kind (see byId).
 * @template {Element} T
 * @param {ParentNode} root
 * @param {string} selector
 * @param {new () => T} kind
 * @returns {T}
 */
export function find(root, selector, kind) {
  return ofKind(root.querySelector(selector), kind, selector);
}

/**
 * A form's control by its name, of this kind (see byId).
 * @template {Element} T
 * @param {HTMLFormElement} form
 * @param {string} name
 * @param {new () => T} kind e.g. HTMLSelectElement
 * @returns {T}
 */
export function formControl(form, name, kind) {
  return ofKind(form.elements.namedItem(name), kind, `the control named "${name}"`);
}

/**
 * @template {Element} T
 * @param {unknown} found
 * @param {new () => T} kind
 * @param {string} what
 * @returns {T}
 */
function ofKind(found, kind, what) {
  if (!(found instanceof kind)) throw new Error(`the dashboard's page has no ${kind.name} ${what}`);
  return found;
}

/**
 * Sets an element's text only when it changed, so a live update does not disturb what did not change.
 * @param {Node} element
 * @param {string} text
 */
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/**
 * Shows a message in an element that is hidden while empty.
 * @param {HTMLElement} element
 * @param {string | null | undefined} message
 */
export function showMessage(element, message) {
  setText(element, message ?? '');
  element.hidden = !message;
}

/**
 * What an exception says, for a message on the page: any value can be thrown, not only an Error.
 * @param {unknown} error
 */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
