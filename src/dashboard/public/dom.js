/**
 * Builds elements from tag, attributes and children. Text always goes in through text nodes, never
 * innerHTML, so task data (payloads, error messages, type names) can never become markup.
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

/** Sets an element's text only when it changed, so a live update does not disturb what did not change. */
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/** Shows a message in an element that is hidden while empty. */
export function showMessage(element, message) {
  setText(element, message ?? '');
  element.hidden = !message;
}
