import { randomUUID } from 'node:crypto';
import { Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { TaskSystemError } from '../errors/task-system-error.js';
import type { TaskSystemErrorCode } from '../errors/task-system-error.js';
import { TaskRefusedError } from '../errors/task.errors.js';
import { isDatabaseUnavailable, isUnstorableJson } from '../database/database-errors.js';
import { currentRequestId } from '../logging/request-context.js';

/**
 * The HTTP status of every refusal, of every feature. Exhaustive: a new code does not compile until it is
 * mapped here.
 */
function statusOf(code: TaskSystemErrorCode): HttpStatus {
  switch (code) {
    case 'UNKNOWN_TASK_TYPE':
    case 'INVALID_REQUEST':
    case 'INVALID_PAYLOAD':
    case 'INVALID_SCHEDULE':
      return HttpStatus.BAD_REQUEST;
    case 'PAYLOAD_TOO_LARGE':
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case 'TASK_NOT_FOUND':
    case 'SCHEDULE_NOT_FOUND':
      return HttpStatus.NOT_FOUND;
    case 'TASK_ALREADY_FINISHED':
    case 'IDEMPOTENCY_KEY_REUSED':
    case 'TASK_NOT_RETRYABLE':
    case 'SCHEDULE_ALREADY_EXISTS':
    case 'SCHEDULE_DECLARED_IN_CODE':
      return HttpStatus.CONFLICT;
    default: {
      const unmapped: never = code;
      throw new Error(`unmapped error code ${String(unmapped)}`);
    }
  }
}

const REASON: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Every error leaves in Nest's shape `{statusCode, error, message}`. Every feature's TaskSystemError maps
 * through statusOf; HttpExceptions (pipes, guards, controllers) keep their own status;
 * an unreachable database is 503; anything unexpected is a 500 carrying an error id that is also logged.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const statusCode = exception.getStatus();
      response
        .status(statusCode)
        .json(
          typeof body === 'string' ? { statusCode, error: REASON[statusCode] ?? exception.name, message: body } : body,
        );
      return;
    }
    if (exception instanceof TaskSystemError) {
      const statusCode = statusOf(exception.code);
      // The contract's 409 "with the task": the task as it is, beside the message.
      const extra = exception instanceof TaskRefusedError && exception.task ? { task: exception.task } : {};
      response
        .status(statusCode)
        .json({ statusCode, error: REASON[statusCode], message: exception.messages, ...extra });
      return;
    }
    if (isUnstorableJson(exception)) {
      const detail = (exception as { detail?: string }).detail ?? (exception as Error).message;
      response.status(400).json({
        statusCode: 400,
        error: REASON[400],
        message: `the payload holds text PostgreSQL cannot store (\\u0000 or an unpaired surrogate): ${detail}`,
      });
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable: ${(exception as Error).message}`);
      response
        .status(503)
        .json({ statusCode: 503, error: REASON[503], message: 'the database is unavailable; retry shortly' });
      return;
    }
    // The request's own id, so the client's report, the access log and this error line meet.
    const errorId = currentRequestId() ?? randomUUID();
    this.logger.error(`unexpected error ${errorId}: ${(exception as Error)?.message}`, (exception as Error)?.stack);
    response
      .status(500)
      .json({ statusCode: 500, error: REASON[500], message: `unexpected error; error id ${errorId}` });
  }
}
