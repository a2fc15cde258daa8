import type { ValueType } from './value-types.js';

/** Another variable's text as loadConfig reads it: as set, else its default text; '' when it has neither. */
export type TextOf = (name: string) => string;

/**
 * What an unset variable means:
 * - a string: the text it stands for, read like a set value (so a default is held to the same bounds);
 * - `{ text, shown }`: text computed from other variables (LOG_FORMAT follows NODE_ENV);
 * - `{ value, shown }`: a value no text would say (unset DATABASE_URL: the embedded PostgreSQL).
 * `shown` is the README's default cell (Markdown).
 */
export type Default<U> = string | { text: (textOf: TextOf) => string; shown: string } | { value: U; shown: string };

/** One environment variable, declared once: everything else about it is derived from this. */
export interface Variable<Field extends string, T> {
  /** The AppConfig field it fills; none for the variables that only shape others (NODE_ENV, AUTH_DISABLED). */
  readonly field?: Field;
  readonly type: ValueType<T>;
  readonly default: Default<T>;
  /** The README's "meaning" cell (Markdown). */
  readonly description: string;
}

/** Declares a variable; its field's name and its value's type are inferred for AppConfig. */
export function variable<const Field extends string = never, T = never, U = never>(declaration: {
  field?: Field;
  type: ValueType<T>;
  default: Default<U> | string;
  description: string;
}): Variable<Field, T | U> {
  return declaration;
}

/** The value a declared variable gives. */
export type ValueOf<V> = V extends Variable<string, infer T> ? T : never;
