import http from 'node:http';

export interface Answer {
  /** 0: no answer (connection refused or cut, or none within ANSWER_TIMEOUT_MS). */
  status: number;
  contentType: string;
  /** The body as text, cut at MAX_BODY_BYTES; an event stream's is left unread. */
  text: string;
  /** Why there was no answer, when status is 0. */
  error?: string;
}

/** The longest a request may take: every wait the sweep sends is short, so more is a hang. */
export const ANSWER_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Sends exactly these bytes: node:http, not fetch, which would normalise the header values and the body
 * (a lone surrogate becomes U+FFFD). Header names may repeat (several Authorization headers). A connection
 * of its own for each request: a body the service left unread must not become the next request's bytes.
 */
export function send(
  baseUrl: string,
  method: string,
  url: string,
  headers: [string, string][],
  body?: Buffer,
): Promise<Answer> {
  const grouped: Record<string, string[]> = {};
  for (const [name, value] of headers) (grouped[name] ??= []).push(value);
  // Node frames a GET's or DELETE's body with nothing unless told its length: the service would read the
  // bytes as a second request. curl sends the length; so do we.
  if (body !== undefined) grouped['Content-Length'] = [String(body.length)];
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: Answer): void => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    let request: http.ClientRequest;
    try {
      request = http.request(`${baseUrl}${url}`, {
        method,
        headers: grouped,
        agent: false,
        timeout: ANSWER_TIMEOUT_MS,
      });
    } catch (error) {
      // Node refuses to send it (a character it does not allow in a header): the generator's bug, not the service's.
      throw new Error(`node:http cannot send ${method} ${url}: ${(error as Error).message}`, { cause: error });
    }
    request.on('timeout', () => {
      request.destroy();
      settle({ status: 0, contentType: '', text: '', error: `no answer within ${ANSWER_TIMEOUT_MS} ms` });
    });
    request.on('error', (error) => settle({ status: 0, contentType: '', text: '', error: error.message }));
    request.on('response', (response) => {
      const contentType = response.headers['content-type'] ?? '';
      if (contentType.startsWith('text/event-stream')) {
        // An event stream never ends: its status and type are the answer.
        response.destroy();
        return settle({ status: response.statusCode ?? 0, contentType, text: '' });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () =>
        settle({ status: response.statusCode ?? 0, contentType, text: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', (error) => settle({ status: 0, contentType, text: '', error: error.message }));
    });
    request.end(body);
  });
}

/** The body as JSON, or undefined when it is not JSON. */
export function jsonOf(answer: Answer): unknown {
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    return undefined;
  }
}
