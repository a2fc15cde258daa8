import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';

/**
 * Reads every request body as JSON, whatever its Content-Type says: the original TaskSystem's
 * `curl -d '{...}'` sends application/x-www-form-urlencoded. An empty body stays undefined. Errors are
 * answered here, in Nest's error shape, because they happen before any route runs.
 */
/** Path prefixes whose POST, PUT and PATCH requests carry a JSON body. */
export const JSON_BODY_ROUTES = ['/tasks'];

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

export function jsonBodyParser(limitBytes: number): RequestHandler[] {
  const readText = express.text({ type: () => true, limit: limitBytes });
  const readBody: RequestHandler = (request, response, next) => {
    if (!METHODS_WITH_BODY.has(request.method)) return next();
    readText(request, response, (error?: unknown) => {
      if (!error) return next();
      const { status, type } = error as { status?: number; type?: string };
      if (type === 'entity.too.large')
        return sendError(response, 413, 'Payload Too Large', `request body is larger than ${limitBytes} bytes`);
      sendError(
        response,
        status && status < 500 ? status : 400,
        'Bad Request',
        `could not read the request body: ${(error as Error).message}`,
      );
    });
  };
  const parseJson = (request: Request, response: Response, next: NextFunction): void => {
    const text: unknown = request.body;
    if (typeof text !== 'string' || text.trim() === '') {
      request.body = undefined;
      return next();
    }
    try {
      request.body = JSON.parse(text) as unknown;
    } catch (error) {
      return sendError(response, 400, 'Bad Request', `body is not valid JSON: ${(error as Error).message}`);
    }
    next();
  };
  return [readBody, parseJson];
}

function sendError(response: Response, statusCode: number, error: string, message: string): void {
  response.status(statusCode).json({ statusCode, error, message });
}
