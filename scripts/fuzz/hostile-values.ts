import fc from 'fast-check';
import { RawJson } from './json-text.js';
import { API_KEY } from './service.js';

/**
 * The hostile inputs, by where they go. Each list holds what issue 14's probe sent and what broke
 * services like this one before (prototype keys, numbers JSON cannot carry, NUL and lone surrogates,
 * nesting deeper than a recursive reader survives, bad percent-encodings).
 */

/** Nesting `depth` levels deep, written as text (an object this deep would overflow our own serializer). */
export function deepJson(depth: number, kind: 'array' | 'object'): RawJson {
  return kind === 'array'
    ? new RawJson(`${'['.repeat(depth)}1${']'.repeat(depth)}`)
    : new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  '__defineGetter__',
  'prototype',
];

/** An object with one key named as an Object.prototype member, built as JSON.parse would (an own property). */
function ownKeyObject(key: string, value: unknown): RawJson {
  return new RawJson(`{${JSON.stringify(key)}:${JSON.stringify(value)}}`);
}

/** A value to put where the valid request had another: wrong type, too big, badly encoded, too deep. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  // wrong types
  fc.constantFrom<unknown>(1, '1', true, false, null, [], {}, [1, 'a'], { a: 1 }),
  // strings PostgreSQL or a parser may choke on
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'a\udc00b',
    '\udfff\ud800',
    '\ufeff',
    '\u202e',
    '😀',
    "' OR '1'='1",
    '"; DROP TABLE tasks; --',
    '${7*7}',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00',
    '\\',
    ' ',
    '',
  ),
  fc.constantFrom(10_000, 70_000, 1_100_000).map((length) => 'x'.repeat(length)),
  // numbers JSON can write but not every reader can hold
  fc
    .constantFrom(
      '1e309',
      '-1e309',
      '-0',
      '-0.0',
      '18446744073709551616',
      '9007199254740993',
      '1e-400',
      '1E400',
      '123456789012345678901234567890.5',
      '0.1e1',
    )
    .map((text) => new RawJson(text)),
  fc
    .tuple(fc.constantFrom(64, 1000, 2000, 5000), fc.constantFrom<'array' | 'object'>('array', 'object'))
    .map(([depth, kind]) => deepJson(depth, kind)),
  fc
    .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom<unknown>('Ferrari', 1, null, { polluted: true }))
    .map(([key, value]) => ownKeyObject(key, value)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Names for a member added to an object: Object.prototype's, near-misses of real fields, odd ones. */
export const hostileKey = fc.constantFrom(
  ...PROTOTYPE_KEYS,
  'colour',
  'TYPE',
  ' type',
  'type\u0000',
  'payload ',
  '',
  '\ud800',
  'a'.repeat(1000),
);

/** Content-Type headers a client might send, or get wrong (`undefined`: none at all). */
export const contentType = fc.constantFrom<string | undefined>(
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=x-unknown',
  'application/octet-stream',
  'APPLICATION/JSON',
  'application/json, text/html',
  ';;;',
);

/** Content-Encoding headers: the ones body parsers inflate, and others. */
export const contentEncoding = fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip');

/** Methods to send to a documented path instead of its own: another operation's, or none's. */
export const otherMethod = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE');

/** Authorization headers: the key spelled as a lenient reader may still accept it (respelled), or not the key. */
export const respelledAuthorization = fc.constantFrom<string[]>(
  [`bearer ${API_KEY}`],
  [`BEARER ${API_KEY}`],
  [`Bearer\t${API_KEY}`],
  [`Bearer   ${API_KEY}`],
  [`Bearer ${API_KEY} `],
  [`  Bearer ${API_KEY}`],
  [`Bearer ${API_KEY}`, `Bearer ${API_KEY}`],
  [`Bearer ${API_KEY}`, 'Bearer wrong-key-0123456789abcdef'],
  [`Bearer ${API_KEY}, Bearer ${API_KEY}`],
);
export const wrongAuthorization = fc.constantFrom<string[]>(
  ['Bearer wrong-key-0123456789abcdef'],
  [`Bearer ${API_KEY}x`],
  [`Bearer ${API_KEY.slice(0, -1)}`],
  [`Bearer ${API_KEY.toUpperCase()}`],
  [`Basic ${Buffer.from(`user:${API_KEY}`).toString('base64')}`],
  [`Token ${API_KEY}`],
  [API_KEY],
  ['Bearer'],
  ['Bearer '],
  [''],
  [`Bearer ${'k'.repeat(10_000)}`],
  ['Bearer \u00ff\u00fe'],
);

/** Query parameter names an operation does not declare: Object.prototype's, bracketed, encoded, long. */
export const hostileQueryName = fc.constantFrom(
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
  'a[b]',
  'status[]',
  'colour',
  'LIMIT',
  'x%00',
  '%00',
  '%ff',
  '%ED%A0%80',
  'a'.repeat(3000),
);

/** Query values (and path parameters), as they go on the wire: bad encodings (most often), numbers, the rest. */
export const hostileWireValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('%00', 'a%00b', '%ff', '%', '%zz', '%ED%A0%80', '%F0%9F%98%80', '%EF%BB%BF'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '1e309',
      '-0',
      '-1',
      '0',
      '1.5',
      '0x10',
      '18446744073709551616',
      '9223372036854775808',
      '99999999999999999999999',
      'NaN',
      'Infinity',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      '%201',
      '1%20',
      'null',
      '__proto__',
      '%27%20OR%201%3D1--',
      '%2F',
      '%2e%2e',
      'x'.repeat(10_000),
      '00000000-0000-0000-0000-000000000000',
      'REPORTS',
    ),
  },
);

/**
 * Bodies that are not the JSON a route reads, as bytes. `small`: none over 16 KiB, for the routes that
 * read no body: the service answers those without reading it, and the connection's reset can then lose
 * the answer on its way back (TCP, not the service).
 */
export function junkBody(size: 'small' | 'any'): fc.Arbitrary<Buffer> {
  const small = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.string({ unit: 'binary', maxLength: 200 }).map((text) => Buffer.from(text, 'utf8')),
    fc
      .constantFrom(
        '[]',
        'null',
        '"x"',
        '1',
        'true',
        '{}{}',
        '{"a":1}garbage',
        '\ufeff{}',
        '{"type":"demo",}',
        "{'type':'demo'}",
        '{"type":"demo","type":"sleep"}',
        '{"a":',
        '{"a":"\\ud800"}',
        '{"a":"\\u0000"}',
      )
      .map((text) => Buffer.from(text, 'utf8')),
    fc
      .constantFrom('{"type":"sleep","payload":{"ms":1}}', '{"name":"Jean"}')
      .map((text) => Buffer.from(text, 'utf16le')),
    fc
      .tuple(fc.constantFrom(1000, 2000), fc.constantFrom<'array' | 'object'>('array', 'object'))
      .map(([depth, kind]) => Buffer.from(deepJson(depth, kind).text, 'utf8')),
  );
  if (size === 'small') return small;
  const big = fc.oneof(
    fc.constantFrom('[' + '1,'.repeat(100_000) + '1]', ' '.repeat(100_000)).map((text) => Buffer.from(text, 'utf8')),
    fc
      .tuple(fc.constantFrom(5000, 50_000), fc.constantFrom<'array' | 'object'>('array', 'object'))
      .map(([depth, kind]) => Buffer.from(deepJson(depth, kind).text, 'utf8')),
  );
  return fc.oneof({ arbitrary: small, weight: 3 }, { arbitrary: big, weight: 1 });
}
