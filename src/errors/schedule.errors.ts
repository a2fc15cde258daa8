import { TaskSystemError } from './task-system-error.js';

/**
 * Every way a schedule operation can be refused. The HTTP status of each lives in one switch
 * (http-error.filter.ts). A schedule's task is checked as a submission, so its refusals are task codes.
 */
export type ScheduleErrorCode =
  'INVALID_SCHEDULE' | 'SCHEDULE_NOT_FOUND' | 'SCHEDULE_ALREADY_EXISTS' | 'SCHEDULE_DECLARED_IN_CODE';

/** A schedule operation (create, change, delete, read) refused. */
export class ScheduleRefusedError extends TaskSystemError {
  constructor(
    readonly code: ScheduleErrorCode,
    messages: string | string[],
  ) {
    super(messages);
  }
}
