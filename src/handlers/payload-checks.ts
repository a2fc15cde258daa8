import { isJsonObject } from '../json/json-object.js';

/** Small checks shared by the shipped handlers' validatePayload(). Each returns problems found. */

export function checkIntegerField(
  payload: unknown,
  field: string,
  { min, max, required }: { min: number; max: number; required: boolean },
): string[] {
  if (!isJsonObject(payload)) return required ? [`payload must be an object with "${field}"`] : [];
  const value = payload[field];
  if (value === undefined) return required ? [`payload.${field} is required`] : [];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return [`payload.${field} must be an integer from ${min} to ${max}`];
  }
  return [];
}
