import type { Operation } from './openapi.js';
import { serialize } from './json-text.js';
import { API_KEY } from './service.js';
import type { Target } from './service.js';

/** What the Authorization header carries: the key, the key spelled otherwise, nothing, or something wrong. */
export type Credential = 'valid' | 'respelled' | 'missing' | 'wrong';

/** `raw`: bytes as they are; `text`, when they encode JSON text (compressed), is that text. */
export type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; bytes: Buffer; text?: string };

/** A request before it is written out: what the generators make and the mutations change. */
export interface Draft {
  operation: Operation;
  /** Another method than the operation's, on its path (which then answers for some other operation, or none). */
  method?: string;
  target: Target;
  /** Each path parameter as it goes on the wire (percent-encoded). */
  pathParams: Record<string, string>;
  /** Names and values as they go on the wire (percent-encoded). */
  query: [string, string][];
  /** Every header but Authorization, which `authorization` holds (several: the header sent several times). */
  headers: [string, string][];
  authorization: string[];
  credential: Credential;
  body: Body;
  /** How the documented path's fixed segments are cased. */
  pathCase: 'documented' | 'upper' | 'capitalized';
  /** A query parameter the operation does not declare was added. */
  undocumentedQuery: boolean;
  /** Sent as a page on another site could, with no preflight: a simple POST, its Origin another site's. */
  crossSite: boolean;
  /** What was done to the valid request: `valid`, or the mutation's description. */
  mutation: string;
}

/** A request as it is sent, and what the checks need to know about it. */
export interface FuzzRequest {
  target: Target;
  method: string;
  /** Path and query string, exactly as sent. */
  url: string;
  headers: [string, string][];
  body?: Buffer;
  /** What the body says once its Content-Encoding is undone: the JSON text the service should read. */
  bodyText?: string;
  operation: Operation;
  mutation: string;
  credential: Credential;
  undocumentedQuery: boolean;
  crossSite: boolean;
  /** Whether the answer is still the documented operation's: false once the path was re-cased or moved. */
  onRoute: boolean;
  /** Whether it asks for the documented path only in another case (`POST /TASKS`). */
  recased: boolean;
}

export const VALID_AUTHORIZATION = `Bearer ${API_KEY}`;

export function toRequest(draft: Draft): FuzzRequest {
  const path = draft.operation.path
    .split('/')
    .map((segment) => {
      const parameter = /^\{(.+)\}$/.exec(segment)?.[1];
      if (parameter !== undefined) return draft.pathParams[parameter] ?? '';
      return recase(segment, draft.pathCase);
    })
    .join('/');
  // An empty or dot segment makes it another URL, which another route may answer (`/tasks/` is GET /tasks).
  const movedOffRoute = Object.values(draft.pathParams).some((value) => /^(|\.|\.\.|%2e|%2e%2e)$/i.test(value));
  const query = draft.query.map(([name, value]) => `${name}=${value}`).join('&');
  const headers: [string, string][] = [
    ...draft.authorization.map((value): [string, string] => ['Authorization', value]),
    ...draft.headers,
  ];
  const bodyText =
    draft.body.kind === 'none'
      ? undefined
      : draft.body.kind === 'raw'
        ? (draft.body.text ?? draft.body.bytes.toString('utf8'))
        : serialize(draft.body.value);
  const body =
    draft.body.kind === 'raw' ? draft.body.bytes : bodyText === undefined ? undefined : Buffer.from(bodyText);
  const offRoute = movedOffRoute || draft.method !== undefined;
  return {
    target: draft.target,
    method: draft.method ?? draft.operation.method,
    url: query === '' ? path : `${path}?${query}`,
    headers,
    body,
    bodyText,
    operation: draft.operation,
    mutation: draft.mutation,
    credential: draft.credential,
    undocumentedQuery: draft.undocumentedQuery,
    crossSite: draft.crossSite,
    onRoute: !offRoute && draft.pathCase === 'documented',
    recased: !offRoute && draft.pathCase !== 'documented',
  };
}

function recase(segment: string, pathCase: Draft['pathCase']): string {
  switch (pathCase) {
    case 'documented':
      return segment;
    case 'upper':
      return segment.toUpperCase();
    case 'capitalized':
      return segment.charAt(0).toUpperCase() + segment.slice(1);
  }
}
