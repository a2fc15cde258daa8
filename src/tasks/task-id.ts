import { ValidateBy } from 'class-validator';
import type { ValidationOptions } from 'class-validator';

const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** A task id as the API writes it: the digits of a positive PostgreSQL bigint. */
export function isTaskId(value: unknown): boolean {
  return typeof value === 'string' && /^[0-9]{1,19}$/.test(value) && BigInt(value) > 0n && BigInt(value) <= MAX_BIGINT;
}

/** class-validator decorator for query fields that hold a task id (such as a page cursor). */
export function IsTaskId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isTaskId', validator: { validate: isTaskId } }, options);
}
