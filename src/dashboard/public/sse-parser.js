/**
 * One event: its type (`message` when the stream named none) and its data lines joined by \n.
 * @typedef {{ event: string, data: string }} ServerSentEvent
 */

/**
 * A server-sent events parser for text that arrives in arbitrary chunks (a fetch() body stream), as the
 * HTML standard describes it: lines end with \n, \r\n or \r; `event:` and `data:` fields (data lines
 * joined by \n); a blank line dispatches; lines starting with `:` are comments (keep-alives).
 * EventSource would do this itself but cannot send an Authorization header.
 * @param {(event: ServerSentEvent) => void} onEvent
 */
export function createSseParser(onEvent) {
  let buffer = '';
  let eventType = '';
  /** @type {string[]} */
  let data = [];
  // A chunk that ends in \r may be the first half of \r\n: its \n must not count as a second line end.
  let skipLeadingNewline = false;

  /** @param {string} text */
  function line(text) {
    if (text === '') {
      if (data.length > 0) onEvent({ event: eventType || 'message', data: data.join('\n') });
      eventType = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') eventType = value;
    else if (field === 'data') data.push(value);
    // id and retry are not used: after a drop the page re-reads the list instead of replaying events.
  }

  return {
    /** @param {string} chunk */
    push(chunk) {
      if (chunk === '') return;
      buffer += chunk;
      if (skipLeadingNewline && buffer.startsWith('\n')) buffer = buffer.slice(1);
      skipLeadingNewline = false;
      for (;;) {
        const end = buffer.search(/[\r\n]/);
        if (end === -1) return;
        const isCarriageReturn = buffer[end] === '\r';
        if (isCarriageReturn && end === buffer.length - 1) skipLeadingNewline = true;
        const width = isCarriageReturn && buffer[end + 1] === '\n' ? 2 : 1;
        line(buffer.slice(0, end));
        buffer = buffer.slice(end + width);
      }
    },
  };
}
