/**
 * JSON bodies as the fuzz builds them: JavaScript values that may hold `RawJson`, text written as it is
 * (numbers JSON.stringify cannot write, such as 1e309 or -0, and nesting too deep to build as objects).
 * Object keys are own properties whatever their name, `__proto__` included.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

export type JsonPath = (string | number)[];

export function serialize(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .map((key) => `${JSON.stringify(key)}:${serialize(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Every place in a value (its own root first), objects' keys and arrays' indexes, to `maxDepth` levels. */
export function pathsIn(value: unknown, maxDepth = 4, at: JsonPath = []): JsonPath[] {
  const paths = [at];
  if (at.length >= maxDepth) return paths;
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...pathsIn(item, maxDepth, [...at, index])));
  else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) paths.push(...pathsIn(value[key], maxDepth, [...at, key]));
  }
  return paths;
}

/** A copy of `value` with `replacement` at `path` (`undefined`: the member removed). */
export function setAt(value: unknown, path: JsonPath, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...(value as unknown[])];
    const index = head as number;
    if (rest.length === 0 && replacement === undefined) copy.splice(index, 1);
    else copy[index] = setAt(copy[index], rest, replacement);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const key of isPlainObject(value) ? Object.keys(value) : [])
    defineOwn(copy, key, (value as Record<string, unknown>)[key]);
  if (rest.length === 0 && replacement === undefined) delete copy[head];
  else defineOwn(copy, String(head), setAt(copy[head], rest, replacement));
  return copy;
}

/** `object[key] = value`, as an own property even for `__proto__` (plain assignment would set the prototype). */
function defineOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Whether two parsed JSON values are the same JSON: key order aside, numbers by value (so -0 equals 0, and
 * the Infinity JSON.parse makes of 1e309 equals nothing a database can hold).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameJson(a[key], b[key]))
    );
  }
  return a === b;
}

/** The value at `path` (undefined if there is none). */
export function valueAt(value: unknown, path: JsonPath): unknown {
  let here = value;
  for (const step of path)
    here = isPlainObject(here) || Array.isArray(here) ? (here as Record<string, unknown>)[step] : undefined;
  return here;
}

/** A JSON object (not an array, not raw text). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof RawJson) && !Array.isArray(value);
}
