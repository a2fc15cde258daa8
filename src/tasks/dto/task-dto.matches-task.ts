import type { Task } from '../../task-store/task.js';
import type { TaskDto } from './task.dto.js';

/**
 * A value as a client receives it: JSON.stringify writes a Date as its ISO string. An open object (TaskError's
 * `[detail: string]: unknown`) is compared by its named fields: the extra details are not documented one by one.
 */
type OnTheWire<T> = T extends Date
  ? string
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: OnTheWire<T[K]> }
    : T;

/** `true` when each of A and B can stand for the other. */
type Interchangeable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** The fields whose documented type (TaskDto) differs from what is sent (Task, serialised); `never` when none. */
type Drift<Sent, Documented> =
  | Exclude<keyof Sent, keyof Documented>
  | Exclude<keyof Documented, keyof Sent>
  | {
      [K in keyof Sent & keyof Documented]: Interchangeable<Sent[K], Documented[K]> extends true ? never : K;
    }[keyof Sent & keyof Documented];

/**
 * TaskDto only documents (OpenAPI); the routes send the stored Task. This fails `npm run typecheck`, naming
 * the fields, when the two drift apart: a field added to one and not the other, or typed differently.
 */
export const taskDtoMatchesTask: [Drift<OnTheWire<Task>, TaskDto>] extends [never]
  ? true
  : Drift<OnTheWire<Task>, TaskDto> = true;
