import { z } from 'zod';
import { QUEUE_NAME, QUEUE_NAME_RULE } from './queue-name.js';
import { parseDuration } from './duration.js';

/**
 * How one kind of variable is read: a zod schema from the variable's text (trimmed, never empty) to its
 * value, and what it accepts in words. Those words are both the README's "accepts" column and the start-up
 * error (`PORT must be an integer from 0 to 65,535`), so the two cannot say different things.
 */
export interface ValueType<T> {
  readonly schema: z.ZodType<T, string>;
  readonly accepts: string;
}

const figure = (n: number): string => n.toLocaleString('en-US');

/** Digits only: `Number('1e3')` and `Number('0x10')` would read more than a reader expects. */
const wholeNumber = z
  .string()
  .regex(/^-?[0-9]+$/)
  .transform(Number);

export const integer = (min: number, max?: number): ValueType<number> => ({
  schema: wholeNumber.pipe(max === undefined ? z.number().min(min) : z.number().min(min).max(max)),
  accepts:
    max === undefined ? `an integer of at least ${figure(min)}` : `an integer from ${figure(min)} to ${figure(max)}`,
});

export const boolean: ValueType<boolean> = {
  schema: z.enum(['true', 'false']).transform((text) => text === 'true'),
  accepts: 'true or false',
};

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T): ValueType<T[number]> => ({
  schema: z.enum(values),
  accepts: `one of ${values.join(', ')}`,
});

/** A duration in the units of `parseDuration`, read as milliseconds. */
export const duration: ValueType<number> = {
  schema: z.string().transform((text, context) => {
    const ms = parseDuration(text);
    if (ms === undefined) context.addIssue({ code: 'custom', message: 'not a duration' });
    return ms ?? z.NEVER;
  }),
  accepts: 'a duration such as 7d, 12h, 30m, 45s or 500ms',
};

/** Text matching `pattern`; `accepts` says in words what the pattern allows. */
export const matching = (pattern: RegExp, accepts: string): ValueType<string> => ({
  schema: z.string().regex(pattern),
  accepts,
});

const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** A comma-separated list, each item matching `item`; spaces around items are dropped. */
export const listOf = (item: RegExp, accepts: string): ValueType<string[]> => ({
  schema: z
    .string()
    .transform(splitList)
    .pipe(z.array(z.string().regex(item)).min(1)),
  accepts,
});

/** `name` or `name:n`: a queue, and optionally its own limit of tasks running at once on this replica. */
const QUEUE_ENTRY = /^([^:]*)(?::([1-9][0-9]{0,3}))?$/;

/** WORKER_QUEUES: the queues this replica works, each with its limit on this replica (null: none of its own). */
export const queueLimits: ValueType<Map<string, number | null>> = {
  schema: listOf(/./, '').schema.transform((entries, context) => {
    const queues = new Map<string, number | null>();
    for (const entry of entries) {
      const [, name, limit] = QUEUE_ENTRY.exec(entry) ?? [];
      if (name === undefined || !QUEUE_NAME.test(name)) {
        context.addIssue({ code: 'custom', message: `bad entry ${entry}` });
        return z.NEVER;
      }
      queues.set(name, limit === undefined ? null : Number(limit));
    }
    return queues;
  }),
  accepts: `comma-separated queue names (${QUEUE_NAME_RULE}), each optionally with :n from 1 to 9,999, such as default,reports:2`,
};
