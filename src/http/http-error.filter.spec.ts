import type { ArgumentsHost } from '@nestjs/common';
import { TaskSystemError } from '../errors/task-system-error.js';
import { ScheduleRefusedError } from '../errors/schedule.errors.js';
import type { Task } from '../task-store/task.js';
import { TaskRefusedError } from '../errors/task.errors.js';
import { HttpErrorFilter } from './http-error.filter.js';

/** Runs the filter on one thrown value and returns what the client would receive. */
function respond(exception: unknown): { status: number; body: unknown } {
  const sent = { status: 0, body: undefined as unknown };
  const response = {
    status(code: number) {
      sent.status = code;
      return response;
    },
    json(body: unknown) {
      sent.body = body;
      return response;
    },
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({ id: 'req-1' }) }),
  } as unknown as ArgumentsHost;
  new HttpErrorFilter().catch(exception, host);
  return sent;
}

describe('HttpErrorFilter with refusals of every feature', () => {
  it('answers a schedule refusal with its status and message in Nest’s shape', () => {
    expect(respond(new ScheduleRefusedError('SCHEDULE_NOT_FOUND', 'schedule "x" does not exist'))).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: 'schedule "x" does not exist' },
    });
    expect(respond(new ScheduleRefusedError('INVALID_SCHEDULE', ['cron: bad', 'timezone: bad']))).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: ['cron: bad', 'timezone: bad'] },
    });
  });

  it('sends the task along with a 409 about it', () => {
    const task = { id: '7', status: 'succeeded' } as Task;
    expect(respond(new TaskRefusedError('TASK_ALREADY_FINISHED', 'task 7 is already succeeded', task))).toEqual({
      status: 409,
      body: { statusCode: 409, error: 'Conflict', message: 'task 7 is already succeeded', task },
    });
  });
});

describe('TaskSystemError', () => {
  it('is what a caller catches from any feature, with a code to switch on and a readable message', () => {
    const refusals: unknown[] = [
      new TaskRefusedError('INVALID_PAYLOAD', ['ms: must be a number', 'ms: must be at least 0']),
      new ScheduleRefusedError('SCHEDULE_DECLARED_IN_CODE', 'schedule "n" is declared in code'),
    ];
    const seen = refusals.map((error) =>
      error instanceof TaskSystemError ? [error.name, error.code, error.message] : undefined,
    );
    expect(seen).toEqual([
      ['TaskRefusedError', 'INVALID_PAYLOAD', 'ms: must be a number; ms: must be at least 0'],
      ['ScheduleRefusedError', 'SCHEDULE_DECLARED_IN_CODE', 'schedule "n" is declared in code'],
    ]);
  });
});
