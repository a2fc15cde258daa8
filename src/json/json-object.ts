/** A JSON object, as opposed to an array, null or a scalar: what a request body or a payload must be to have fields. */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `target` with those of `fields` that `source` has as its own, copied one by one: how a request body
 * becomes its DTO. Not class-transformer's plainToInstance, which walks every nested value (a payload's
 * too): it threw on a key named `constructor` and dropped one named `__proto__`. The fields are the DTO's
 * own names, so assigning them cannot reach a prototype; their values are kept as they are.
 */
export function withFields<T extends object>(target: T, source: Record<string, unknown>, fields: readonly string[]): T {
  for (const field of fields) {
    if (Object.hasOwn(source, field)) (target as Record<string, unknown>)[field] = source[field];
  }
  return target;
}
