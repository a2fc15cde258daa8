import fc from 'fast-check';
import type { Operation } from './openapi.js';
import type { Draft } from './request.js';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import {
  contentEncoding,
  contentType,
  hostileJsonValue,
  hostileKey,
  hostileQueryName,
  hostileWireValue,
  junkBody,
  otherMethod,
  respelledAuthorization,
  wrongAuthorization,
} from './hostile-values.js';
import { isPlainObject, pathsIn, RawJson, serialize, setAt, valueAt } from './json-text.js';
import type { JsonPath } from './json-text.js';

/** One change to a valid request, made near-valid (one thing wrong) or plain junk. */
export type Mutation = (draft: Draft) => Draft;

/**
 * The changes that apply to `operation`, weighted: a valid request unchanged (1 in 6 or so), then one field,
 * header, parameter, path or body made hostile.
 */
export function mutationFor(operation: Operation): fc.Arbitrary<Mutation> {
  const takesBody = operation.body !== undefined;
  const hasPathParams = operation.parameters.some((p) => p.in === 'path');
  const hasQuery = operation.parameters.some((p) => p.in === 'query');
  const choices: fc.WeightedArbitrary<Mutation>[] = [
    { weight: 4, arbitrary: fc.constant((draft: Draft) => draft) },
    { weight: 2, arbitrary: recasedPath },
    { weight: 2, arbitrary: credential },
    { weight: 2, arbitrary: undocumentedQuery },
    { weight: 1, arbitrary: junkBody(takesBody ? 'any' : 'small').map(junk) },
    { weight: 1, arbitrary: otherMethod.map(methodSwapped) },
  ];
  if (takesBody) {
    choices.push(
      { weight: 6, arbitrary: replacedValue },
      { weight: 3, arbitrary: addedKey },
      { weight: 1, arbitrary: removedKey },
      { weight: 2, arbitrary: otherContentType },
      { weight: 1, arbitrary: encodedBody },
    );
  }
  if (operation.method === 'POST') choices.push({ weight: 2, arbitrary: crossSite });
  if (hasPathParams) choices.push({ weight: 3, arbitrary: hostilePathParam });
  if (hasQuery) choices.push({ weight: 3, arbitrary: hostileQueryValue });
  if (operation.parameters.some((p) => p.in === 'header')) choices.push({ weight: 1, arbitrary: hostileHeader });
  return fc.oneof(...choices);
}

const described = (draft: Draft, mutation: string, change: Partial<Draft>): Draft => ({
  ...draft,
  ...change,
  mutation,
});

/** The nth place in the JSON body (fast-check shrinks n towards the root). */
function placeIn(draft: Draft, n: number): { value: unknown; path: JsonPath } | undefined {
  if (draft.body.kind !== 'json') return undefined;
  const paths = pathsIn(draft.body.value);
  return { value: draft.body.value, path: paths[n % paths.length] };
}

const pathText = (path: JsonPath): string => (path.length === 0 ? 'the body' : `body.${path.join('.')}`);

const preview = (value: unknown): string => {
  const text = value instanceof RawJson ? value.text : serialize(value);
  return text.length > 40 ? `${text.slice(0, 40)}… (${text.length} chars)` : text;
};

const replacedValue = fc.tuple(fc.nat(), hostileJsonValue).map(([n, value]): Mutation => (draft) => {
  const place = placeIn(draft, n);
  if (!place) return draft;
  return described(draft, `${pathText(place.path)} set to ${preview(value)}`, {
    body: { kind: 'json', value: setAt(place.value, place.path, value) },
  });
});

const addedKey = fc.tuple(fc.nat(), hostileKey, hostileJsonValue).map(([n, key, value]): Mutation => (draft) => {
  const place = placeIn(draft, n);
  if (!place) return draft;
  // Added to the object at that place, or to the nearest object above it.
  let path = place.path;
  while (path.length > 0 && !isPlainObject(valueAt(place.value, path))) path = path.slice(0, -1);
  if (!isPlainObject(valueAt(place.value, path))) return draft;
  return described(draft, `${pathText(path)} given a member ${JSON.stringify(key)}: ${preview(value)}`, {
    body: { kind: 'json', value: setAt(place.value, [...path, key], value) },
  });
});

const removedKey = fc.nat().map((n): Mutation => (draft) => {
  const place = placeIn(draft, n);
  if (!place || place.path.length === 0) return draft;
  return described(draft, `${pathText(place.path)} removed`, {
    body: { kind: 'json', value: setAt(place.value, place.path, undefined) },
  });
});

const otherContentType = contentType.map((type): Mutation => (draft) => {
  const headers = draft.headers.filter(([name]) => name.toLowerCase() !== 'content-type');
  if (type !== undefined) headers.push(['Content-Type', type]);
  return described(draft, type === undefined ? 'no Content-Type' : `Content-Type: ${type}`, { headers });
});

const COMPRESS: Record<string, (bytes: Buffer) => Buffer> = {
  gzip: gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
};

/** A Content-Encoding header, with the body compressed as it says (when the fuzz knows how) or not. */
const encodedBody = fc.tuple(contentEncoding, fc.boolean()).map(([encoding, compressed]): Mutation => (draft) => {
  if (draft.body.kind !== 'json') return draft;
  const text = serialize(draft.body.value);
  const compress = compressed ? COMPRESS[encoding] : undefined;
  return described(draft, `Content-Encoding: ${encoding}${compress ? '' : ' (body not encoded)'}`, {
    headers: [...draft.headers, ['Content-Encoding', encoding]],
    body: compress ? { kind: 'raw', bytes: compress(Buffer.from(text)), text } : draft.body,
  });
});

const methodSwapped =
  (method: string): Mutation =>
  (draft) =>
    method === draft.operation.method ? draft : described(draft, `sent as ${method}`, { method });

const recasedPath = fc.constantFrom<Draft['pathCase']>('upper', 'capitalized').map(
  (pathCase): Mutation =>
    (draft) =>
      described(draft, `path in ${pathCase} case`, { pathCase }),
);

const credential = fc
  .oneof(
    fc.constant({ credential: 'missing' as const, authorization: [] as string[] }),
    respelledAuthorization.map((authorization) => ({ credential: 'respelled' as const, authorization })),
    wrongAuthorization.map((authorization) => ({ credential: 'wrong' as const, authorization })),
  )
  .map(
    ({ credential, authorization }): Mutation =>
      (draft) =>
        described(
          draft,
          authorization.length === 0 ? 'no Authorization' : `Authorization: ${authorization.map(preview).join(' + ')}`,
          { credential, authorization },
        ),
  );

const undocumentedQuery = fc.tuple(hostileQueryName, hostileWireValue).map(([name, value]): Mutation => (draft) => {
  const declared = draft.operation.parameters.some((p) => p.in === 'query' && p.name === name);
  return described(draft, `query parameter ${preview(name)}=${preview(value)}`, {
    query: [...draft.query, [name, value]],
    undocumentedQuery: !declared,
  });
});

const hostileQueryValue = fc
  .tuple(fc.nat(), hostileWireValue, fc.boolean())
  .map(([n, value, twice]): Mutation => (draft) => {
    const declared = draft.operation.parameters.filter((p) => p.in === 'query');
    const name = declared[n % declared.length].name;
    const query = twice ? [...draft.query] : draft.query.filter(([other]) => other !== name);
    query.push([name, value]);
    return described(draft, `query ${name}=${preview(value)}${twice ? ' (repeated)' : ''}`, { query });
  });

const hostilePathParam = fc
  .tuple(fc.nat(), fc.oneof(hostileWireValue, fc.constantFrom('', '..', '.', '%2e')))
  .map(([n, value]): Mutation => (draft) => {
    const names = Object.keys(draft.pathParams);
    const name = names[n % names.length];
    return described(draft, `path parameter ${name} = ${preview(value)}`, {
      pathParams: { ...draft.pathParams, [name]: value },
    });
  });

const hostileHeader = fc
  .constantFrom('', ' ', 'x'.repeat(10_000), '\u00ff', 'a\tb', '__proto__')
  .map((value): Mutation => (draft) => {
    const declared = draft.operation.parameters.filter((p) => p.in === 'header').map((p) => p.name);
    const headers = draft.headers.filter(([name]) => !declared.includes(name));
    headers.push(...declared.map((name): [string, string] => [name, value]));
    return described(draft, `${declared.join(', ')}: ${preview(value)}`, { headers });
  });

/** As a form or fetch() on another site can send with no preflight: POST, text/plain, no Authorization. */
const crossSite = fc
  .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x')
  .map(
    (type): Mutation =>
      (draft) =>
        described(draft, `cross-site POST from https://evil.example (${type})`, {
          headers: [
            ...draft.headers.filter(([name]) => name.toLowerCase() !== 'content-type'),
            ['Content-Type', type],
            ['Origin', 'https://evil.example'],
            ['Sec-Fetch-Site', 'cross-site'],
            ['Sec-Fetch-Mode', 'no-cors'],
          ],
          authorization: [],
          credential: 'missing',
          crossSite: true,
        }),
  );

const junk =
  (bytes: Buffer): Mutation =>
  (draft) =>
    described(draft, `junk body (${bytes.length} bytes)`, { body: { kind: 'raw', bytes } });
