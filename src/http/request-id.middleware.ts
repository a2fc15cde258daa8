import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { withRequestId } from '../logging/request-context.js';

/** An id a client or proxy already chose is kept if it is plain enough to log safely. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` or a new UUID), returns it in the response, and
 * runs the rest of the request under it, so that every line logged while serving it names it (`reqId`).
 * The request's own line is written by the request log (request-log.middleware.ts).
 */
export function requestId(request: Request, response: Response, next: NextFunction): void {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
  // `request.id` (typed by pino-http, which logs it as `reqId`): the id the request log and the error filter use.
  request.id = id;
  response.setHeader('X-Request-Id', id);
  withRequestId(id, next);
}
