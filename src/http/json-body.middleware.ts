import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { exceedsDepth, MAX_PAYLOAD_DEPTH } from '../json/storable-json.js';

/** A path (and everything below it) whose POST, PUT and PATCH requests carry a JSON body of at most this size. */
export interface JsonBodyRoute {
  path: string;
  limitBytes: number;
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The deepest a body may nest: a payload's limit plus the deepest envelope around one, a batch item's
 * (`{"tasks": [{"payload": …}]}`). Checked here, before anything recurses over the body; each payload is then
 * held to its own limit where it is read (readCanonicalTask), over HTTP and in process alike.
 */
const MAX_BODY_DEPTH = MAX_PAYLOAD_DEPTH + 3;

/**
 * Reads request bodies as JSON, whatever their Content-Type says: the original TaskSystem's
 * `curl -d '{...}'` sends application/x-www-form-urlencoded. Only the given routes read a body (the first
 * that matches decides the size limit); elsewhere a stray body must not turn a 404 into a 400. An empty
 * body stays undefined. Errors are answered here, in Nest's error shape, because no route has run yet.
 */
export function jsonBodyParser(routes: JsonBodyRoute[]): RequestHandler[] {
  const readers = routes.map((route) => ({
    ...route,
    read: express.text({ type: () => true, limit: route.limitBytes }),
  }));
  const readBody: RequestHandler = (request, response, next) => {
    const reader = METHODS_WITH_BODY.has(request.method)
      ? readers.find(({ path }) => request.path === path || request.path.startsWith(`${path}/`))
      : undefined;
    if (!reader) return next();
    reader.read(request, response, (error?: unknown) => {
      if (!error) return parseJson(request, response, next);
      const { status, type } = error as { status?: number; type?: string };
      if (type === 'entity.too.large') {
        return sendError(response, 413, 'Payload Too Large', `request body is larger than ${reader.limitBytes} bytes`);
      }
      sendError(
        response,
        status && status < 500 ? status : 400,
        'Bad Request',
        `could not read the request body: ${(error as Error).message}`,
      );
    });
  };
  return [readBody];
}

function parseJson(request: Request, response: Response, next: NextFunction): void {
  const text: unknown = request.body;
  if (typeof text !== 'string' || text.trim() === '') {
    request.body = undefined;
    return next();
  }
  let body: unknown;
  try {
    // V8's JSON.parse does not recurse: any depth parses, and is refused just below.
    body = JSON.parse(text) as unknown;
  } catch (error) {
    return sendError(response, 400, 'Bad Request', `body is not valid JSON: ${(error as Error).message}`);
  }
  if (exceedsDepth(body, MAX_BODY_DEPTH)) {
    return sendError(
      response,
      400,
      'Bad Request',
      `body nests arrays and objects deeper than ${MAX_BODY_DEPTH} levels: the limit of ${MAX_PAYLOAD_DEPTH} levels for a payload, and 3 for the body around it`,
    );
  }
  request.body = body;
  next();
}

function sendError(response: Response, statusCode: number, error: string, message: string): void {
  response.status(statusCode).json({ statusCode, error, message });
}
