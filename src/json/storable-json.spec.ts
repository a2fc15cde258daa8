import { exceedsDepth, unstorableJsonProblem } from './storable-json.js';

/** `levels` arrays, one inside the other, around `leaf`. */
const nestedArrays = (levels: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let level = 0; level < levels; level++) value = [value];
  return value;
};

describe('unstorableJsonProblem', () => {
  it('accepts any JSON within the limit, keys named like Object.prototype members included', () => {
    const payload = JSON.parse('{"__proto__":{"constructor":"x"},"toString":[1.5,-0,null,true,"é😀"]}') as unknown;
    expect(unstorableJsonProblem(payload, 'payload')).toBeUndefined();
    expect(unstorableJsonProblem(nestedArrays(100), 'payload')).toBeUndefined();
    expect(unstorableJsonProblem('scalar', 'payload')).toBeUndefined();
  });

  it('counts levels of arrays and objects, empty ones too', () => {
    expect(unstorableJsonProblem(nestedArrays(101), 'payload')).toBe(
      'payload nests arrays and objects deeper than the limit of 100 levels',
    );
    expect(unstorableJsonProblem(nestedArrays(3, {}), 'payload', 3)).toMatch(/limit of 3 levels/);
    expect(unstorableJsonProblem(nestedArrays(2, {}), 'payload', 3)).toBeUndefined();
  });

  it('refuses 100,000 levels without overflowing the stack', () => {
    expect(unstorableJsonProblem(nestedArrays(100_000), 'payload')).toMatch(/limit of 100 levels/);
    expect(exceedsDepth(nestedArrays(100_000), 103)).toBe(true);
  });

  it('names the place of text PostgreSQL cannot store, in a value or a key', () => {
    expect(unstorableJsonProblem({ car: { 'the name': ['ok', 'a\u0000b'] } }, 'payload')).toBe(
      'payload.car["the name"][1] is text holding \\u0000, which PostgreSQL cannot store',
    );
    expect(unstorableJsonProblem({ a: { 'k\u0000': 1 } }, 'payload')).toBe(
      'payload.a["k\\u0000"] is a key holding \\u0000, which PostgreSQL cannot store',
    );
    expect(unstorableJsonProblem(['\ud800'], 'payload')).toMatch(/^payload\[0\] is text holding an unpaired surrogate/);
    expect(unstorableJsonProblem('\udc00x', 'payload')).toMatch(/^payload is text holding an unpaired surrogate/);
    expect(unstorableJsonProblem('😀', 'payload')).toBeUndefined();
  });

  it('names numbers JSON cannot carry', () => {
    expect(unstorableJsonProblem({ n: JSON.parse('1e309') as number }, 'payload')).toMatch(
      /^payload\.n is Infinity \(beyond ±1\.8e308, such as 1e309\)/,
    );
    expect(unstorableJsonProblem([Number.NaN], 'payload')).toMatch(/^payload\[0\] is NaN: JSON carries only finite/);
  });

  it('ends on a value built in process that refers to itself', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    cyclic.list = [cyclic, cyclic];
    expect(unstorableJsonProblem(cyclic, 'payload')).toBeUndefined();
  });
});

describe('exceedsDepth', () => {
  it('is true only past the limit', () => {
    expect(exceedsDepth(nestedArrays(3), 3)).toBe(false);
    expect(exceedsDepth(nestedArrays(4), 3)).toBe(true);
    expect(exceedsDepth({ a: { b: {} } }, 2)).toBe(true);
    expect(exceedsDepth(7, 0)).toBe(false);
  });
});
