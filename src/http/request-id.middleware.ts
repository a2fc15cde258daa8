import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const logger = new Logger('HTTP');
/** An id a client or proxy already chose is kept if it is plain enough to log safely. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

declare module 'express' {
  interface Request {
    /** This request's id: its `X-Request-Id`, sent back in the response and named in its log lines. */
    id?: string;
  }
}

/**
 * Gives every request an id (the caller's `X-Request-Id` or a new UUID), returns it in the response, and
 * logs the request when it ends: at debug level, or as a warning when it failed on our side (5xx).
 * Bodies, payloads and keys are never logged.
 */
export function requestId(request: Request, response: Response, next: NextFunction): void {
  const incoming = request.headers['x-request-id'];
  request.id = typeof incoming === 'string' && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader('X-Request-Id', request.id);
  const startedAt = process.hrtime.bigint();
  response.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
    const line = `${request.method} ${request.originalUrl.split('?')[0]} ${response.statusCode} ${ms.toFixed(1)} ms id=${request.id}`;
    if (response.statusCode >= 500) logger.warn(line);
    else logger.debug(line);
  });
  next();
}
