import type { Snapshot } from './database.js';
import type { Answer } from './http.js';
import { jsonOf } from './http.js';
import { sameJson } from './json-text.js';
import type { FuzzRequest } from './request.js';

/** What was wrong with an answer. Each kind is one property every answer must have. */
export type FindingKind =
  | 'no answer'
  | 'server error'
  | 'undocumented status'
  | 'stored from a refused request'
  | 'stack or SQL in the body'
  | 'refusal that names nothing'
  | 'accepted task differs from what was sent'
  | 'bad credential accepted'
  | 'undeclared query parameter accepted'
  | 'cross-site write accepted';

export interface Finding {
  kind: FindingKind;
  detail: string;
}

/** The canonical fields of a task body (docs/design.md: any of them makes a body canonical). */
const CANONICAL_FIELDS = ['type', 'payload', 'priority', 'runAt', 'maxAttempts', 'timeoutMs', 'queue', 'key'];
const DEFAULT_TASK_TYPE = 'demo';

/** Text that only an internal error leaks: a stack frame, a path into the code, PostgreSQL's own words. */
const LEAKS = [
  /\bat (?:async )?[\w$.<>]+ \((?:file:\/\/|node:|\/)/,
  /node_modules\//,
  /\/(?:src|dist)\/[\w/-]+\.[jt]s\b/,
  /QueryFailedError|invalid byte sequence|invalid input syntax|syntax error at or near|duplicate key value|violates \w+(?:-\w+)? constraint|relation "\w+"|unterminated quoted|\$\d+::\w+/,
  /\b(?:SELECT\s[\s\S]{0,200}\bFROM|INSERT INTO|UPDATE\s+\w+\s+SET|DELETE FROM)\b/,
];

/** The findings of one answer. `before`/`after`: the database around a write (absent for reads). */
export function check(request: FuzzRequest, answer: Answer, before?: Snapshot, after?: Snapshot): Finding[] {
  if (answer.status === 0) return [{ kind: 'no answer', detail: answer.error ?? 'no answer' }];
  const findings: Finding[] = [];
  const { status, text } = answer;
  const found = (kind: FindingKind, detail: string): number => findings.push({ kind, detail });
  const documented = request.operation.statuses;
  const body = jsonOf(answer);

  if (status >= 500 && !(status === 503 && documented.has(503))) found('server error', `${status}: ${cut(text)}`);
  // A re-cased path may fairly be a 404 instead; a path moved off its route (an empty id) is another route's.
  const undocumented =
    status < 500 &&
    (request.onRoute ? !documented.has(status) : request.recased && !documented.has(status) && status !== 404);
  if (undocumented) {
    found(
      'undocumented status',
      `${status} is not among ${request.operation.label}'s documented ${[...documented].join(', ')}`,
    );
  }
  if (status >= 400) {
    const leak = LEAKS.find((pattern) => pattern.test(text));
    if (leak) found('stack or SQL in the body', `matches ${leak}: ${cut(text)}`);
    const named = body as { statusCode?: unknown; message?: unknown } | undefined;
    const message = Array.isArray(named?.message) ? named.message.join('') : named?.message;
    if (named?.statusCode !== status || typeof message !== 'string' || message.trim() === '') {
      found('refusal that names nothing', `${status} without {"statusCode": ${status}, "message": "…"}: ${cut(text)}`);
    }
  }
  if (status >= 400 && status < 500 && before && after) {
    const changed = (Object.keys(before) as (keyof Snapshot)[]).filter((key) => before[key] !== after[key]);
    if (changed.length > 0) {
      found(
        'stored from a refused request',
        `${status}, yet ${changed.map((key) => `${key} went from ${cut(String(before[key]))} to ${cut(String(after[key]))}`).join('; ')}`,
      );
    }
  }
  if (status >= 200 && status < 300) {
    const accepted = acceptedTaskMismatch(request, body);
    if (accepted) found('accepted task differs from what was sent', accepted);
    if (request.target === 'keys' && request.operation.secured && ['missing', 'wrong'].includes(request.credential)) {
      found('bad credential accepted', `${status} for a request with ${request.mutation}`);
    }
    if (request.undocumentedQuery && request.operation.parameters.some((p) => p.in === 'query')) {
      // Where an operation declares query parameters, every other one is refused (docs/design.md).
      found('undeclared query parameter accepted', `${status} for ${request.mutation}`);
    }
    if (request.crossSite && request.target === 'open') {
      found('cross-site write accepted', `${status}: a page on another site could do this in a visitor's browser`);
    }
  }
  return findings;
}

/** For an accepted submission: how the task the service kept differs from the JSON that was sent, if it does. */
function acceptedTaskMismatch(request: FuzzRequest, answer: unknown): string | undefined {
  const path = request.operation.path;
  // A submission sent with another method (the `sent as GET` mutation) reached another route, a list.
  const submitted = request.operation.method === 'POST' && request.method === 'POST';
  if (!submitted || (path !== '/tasks' && path !== '/tasks/batch')) return undefined;
  // The service decodes the declared charset; the fuzz compares only what it sent as UTF-8.
  const charset = /charset=([^;\s]+)/i.exec(headerOf(request, 'content-type') ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) return undefined;
  const text = request.bodyText?.trim() ?? '';
  let sent: unknown;
  try {
    sent = text === '' ? undefined : JSON.parse(text);
  } catch {
    return `${cut(text)} is no JSON, yet it was accepted`;
  }
  const pairs: [unknown, unknown][] =
    path === '/tasks'
      ? [[sent, answer]]
      : ((sent as { tasks?: unknown[] })?.tasks ?? []).map((item, i) => [
          item,
          (answer as { tasks?: unknown[] })?.tasks?.[i],
        ]);
  for (const [body, task] of pairs) {
    const expected = expectedTask(body, path === '/tasks' ? 'canonical or shorthand' : 'canonical');
    if (!expected) return `${cut(JSON.stringify(body))} is not a task body, yet it was accepted`;
    const kept = task as { type?: unknown; payload?: unknown } | undefined;
    try {
      if (kept?.type !== expected.type || !sameJson(kept?.payload, expected.payload)) {
        return `sent ${cut(text || '(no body)')}, kept type ${JSON.stringify(kept?.type)} with payload ${cut(String(JSON.stringify(kept?.payload)))}`;
      }
    } catch (error) {
      if (error instanceof RangeError) continue; // too deep for us to compare: the other checks still hold
      throw error;
    }
  }
  return undefined;
}

function headerOf(request: FuzzRequest, name: string): string | undefined {
  return request.headers.find(([header]) => header.toLowerCase() === name)?.[1];
}

/**
 * The type and payload the service should keep for a body (README): POST /tasks reads a body with no
 * canonical field as the shorthand (the whole body is the payload); a batch item is always canonical, so
 * `{}` there is a default task with no payload (null), as `{"type": "demo"}` is.
 */
function expectedTask(
  body: unknown,
  forms: 'canonical or shorthand' | 'canonical',
): { type: unknown; payload: unknown } | undefined {
  if (body === undefined) return { type: DEFAULT_TASK_TYPE, payload: {} };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const fields = body as Record<string, unknown>;
  const shorthand = !CANONICAL_FIELDS.some((field) => Object.prototype.hasOwnProperty.call(fields, field));
  if (shorthand && forms === 'canonical or shorthand') {
    return { type: DEFAULT_TASK_TYPE, payload: body };
  }
  return {
    type: fields.type ?? DEFAULT_TASK_TYPE,
    payload: Object.prototype.hasOwnProperty.call(fields, 'payload') ? fields.payload : null,
  };
}

function cut(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
