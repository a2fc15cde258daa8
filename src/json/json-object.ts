/** A JSON object, as opposed to an array, null or a scalar: what a request body or a payload must be to have fields. */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
