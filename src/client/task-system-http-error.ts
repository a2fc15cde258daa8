import type { Task } from './types.js';

/**
 * A response other than 2xx. `message` is the server's, which names the problem (several are joined with
 * "; "); `body` is the whole error body as sent, usually `{statusCode, error, message}`.
 */
export class TaskSystemHttpError extends Error {
  override readonly name = 'TaskSystemHttpError';
  /** The error's code, when the server sends one (e.g. `TASK_NOT_FOUND`). */
  readonly code: string | undefined;
  /** The task a 409 is about (already finished, not retryable, its idempotency key taken), as it is now. */
  readonly task: Task | undefined;

  constructor(
    /** The HTTP status, e.g. 404. */
    readonly status: number,
    /** The parsed JSON error body, or the text of a body that is not JSON (from a proxy, say). */
    readonly body: unknown,
    /** The request, e.g. `GET` and `http://tasks:4000/tasks/42`. */
    readonly method: string,
    readonly url: string,
  ) {
    super(messageOf(body) ?? `${method} ${url} answered ${status}`);
    this.code = isRecord(body) && typeof body.code === 'string' ? body.code : undefined;
    this.task = isRecord(body) && isRecord(body.task) ? (body.task as Task) : undefined;
  }
}

function messageOf(body: unknown): string | undefined {
  if (!isRecord(body)) return typeof body === 'string' && body !== '' ? body.slice(0, 500) : undefined;
  const { message } = body;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
