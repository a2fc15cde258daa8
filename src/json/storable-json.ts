/**
 * How deeply a payload may nest arrays and objects: `{"a": [1]}` is 2 levels, a scalar 0. Deeper input is
 * refused before anything recurses over it (JSON.stringify, a handler's validatePayload, node-postgres):
 * 5,000 levels overflow the stack. 100 is generous for data, and far from any stack limit.
 */
export const MAX_PAYLOAD_DEPTH = 100;

/**
 * Text PostgreSQL cannot hold: `\u0000` (text and jsonb refuse it) and an unpaired surrogate (jsonb refuses
 * it; a text column would silently store U+FFFD instead). In a `u` regular expression a well-formed pair is
 * one code point, so `\p{Cs}` matches only a surrogate standing alone.
 */
const UNSTORABLE_TEXT = /[\0\p{Cs}]/u;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A value met on the walk, with how to name it: its parent and its key or index there. */
interface Visit {
  value: unknown;
  depth: number;
  parent: Visit | undefined;
  key: string | number | undefined;
}

/**
 * Why `value` cannot be stored exactly as given, naming where (`payload.car.name`, `payload[2]`), or
 * undefined when it can: nested deeper than `maxDepth`, a string or key holding text PostgreSQL refuses, or
 * a number JSON cannot carry (JSON.parse reads `1e309` as Infinity, which JSON.stringify writes as null; NaN
 * likewise). The walk is iterative, so it is safe on input of any depth; each object is visited once, so a
 * value built in process that shares or cycles its objects ends too.
 */
export function unstorableJsonProblem(value: unknown, name: string, maxDepth = MAX_PAYLOAD_DEPTH): string | undefined {
  const seen = new Set<object>();
  const pending: Visit[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    const problem = problemOf(visit.value);
    if (problem) return `${pathOf(visit, name)} ${problem}`;
    if (typeof visit.value !== 'object' || visit.value === null || seen.has(visit.value)) continue;
    // An object or array at depth d is the (d + 1)th level.
    if (visit.depth + 1 > maxDepth) return `${name} ${tooDeep(maxDepth)}`;
    seen.add(visit.value);
    const entries = Array.isArray(visit.value) ? visit.value.entries() : Object.entries(visit.value);
    for (const [key, inner] of entries) {
      if (typeof key === 'string' && UNSTORABLE_TEXT.test(key)) {
        return `${pathOf(visit, name)}[${JSON.stringify(key)}] is a key ${describeText(key)}`;
      }
      pending.push({ value: inner, depth: visit.depth + 1, parent: visit, key });
    }
  }
  return undefined;
}

/** The refusal of JSON nested deeper than `limit` levels of arrays and objects. */
export const tooDeep = (limit: number): string => `nests arrays and objects deeper than the limit of ${limit} levels`;

/**
 * True when `value` nests arrays and objects deeper than `limit` levels: the one check of a whole request
 * body before any of it is read further. Iterative, and it stops at the first level too deep.
 */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    if (typeof visit.value !== 'object' || visit.value === null) continue;
    if (visit.depth + 1 > limit) return true;
    for (const inner of Object.values(visit.value)) pending.push({ value: inner, depth: visit.depth + 1 });
  }
  return false;
}

function problemOf(value: unknown): string | undefined {
  if (typeof value === 'string' && UNSTORABLE_TEXT.test(value)) return `is text ${describeText(value)}`;
  if (typeof value === 'number' && !Number.isFinite(value)) {
    const beyond = Number.isNaN(value) ? '' : ' (beyond ±1.8e308, such as 1e309)';
    return `is ${String(value)}${beyond}: JSON carries only finite numbers, and it would be stored as null`;
  }
  return undefined;
}

const describeText = (text: string): string =>
  text.includes('\0')
    ? 'holding \\u0000, which PostgreSQL cannot store'
    : 'holding an unpaired surrogate (half of a UTF-16 pair), which PostgreSQL cannot store';

/** `payload.car.name`, `payload[3]`, `payload["a b"]`: the value's place below `name`. */
function pathOf(visit: Visit, name: string): string {
  const steps: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent !== undefined; at = at.parent) {
    const { key } = at;
    if (typeof key === 'string' && IDENTIFIER.test(key)) steps.push(`.${key}`);
    else steps.push(`[${JSON.stringify(key)}]`);
  }
  return name + steps.reverse().join('');
}
