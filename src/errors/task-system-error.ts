import type { ScheduleErrorCode } from './schedule.errors.js';
import type { TaskErrorCode } from './task.errors.js';

/**
 * Every code a TaskSystem operation can be refused with, each feature's own union joined here. A feature's
 * error class can only carry a code listed here, and the HTTP layer maps every one of them to a status in
 * one exhaustive switch (src/http/http-error.filter.ts): a new code does not compile until it has a status.
 */
export type TaskSystemErrorCode = TaskErrorCode | ScheduleErrorCode;

/**
 * What every refused operation throws, whichever feature refused it: a caller catches this one class and
 * switches on `code`. `message` reads as one sentence; `messages` keeps the problems apart when there are
 * several (the HTTP body sends them as an array).
 */
export abstract class TaskSystemError extends Error {
  /** What was refused, for a caller's `switch`; each feature's class narrows it to that feature's codes. */
  abstract readonly code: TaskSystemErrorCode;

  readonly messages: string | string[];

  protected constructor(messages: string | string[]) {
    super(Array.isArray(messages) ? messages.join('; ') : messages);
    this.messages = messages;
    // The subclass's name, so logs and stack traces say which feature refused.
    this.name = new.target.name;
  }
}
