import { check } from './checks.js';
import type { Snapshot } from './database.js';
import type { Answer } from './http.js';
import { RawJson, serialize, setAt } from './json-text.js';
import type { Operation } from './openapi.js';
import type { FuzzRequest } from './request.js';

const submit: Operation = {
  method: 'POST',
  path: '/tasks',
  label: 'POST /tasks',
  parameters: [{ name: 'wait', in: 'query', schema: { type: 'number' } }],
  body: { type: 'object' },
  statuses: new Set([200, 201, 400, 401, 409, 413, 429, 503]),
  secured: true,
};

function request(body: string, change: Partial<FuzzRequest> = {}): FuzzRequest {
  return {
    target: 'keys',
    method: 'POST',
    url: '/tasks',
    headers: [],
    body: Buffer.from(body),
    bodyText: body,
    operation: submit,
    mutation: 'valid',
    credential: 'valid',
    undocumentedQuery: false,
    crossSite: false,
    onRoute: true,
    recased: false,
    ...change,
  };
}

const answer = (status: number, body: unknown): Answer => ({
  status,
  contentType: 'application/json',
  text: JSON.stringify(body),
});
const kinds = (findings: { kind: string }[]): string[] => findings.map((finding) => finding.kind);
const snapshot: Snapshot = { tasks: 4, newestTaskId: '4', schedules: '', queueSettings: '' };

describe('the fuzz checks', () => {
  it('pass a task kept as it was sent, whatever the key order and however -0 was written', () => {
    const sent = request('{"type":"demo","payload":{"b":-0,"a":[1]}}');
    expect(check(sent, answer(201, { type: 'demo', payload: { a: [1], b: 0 } }))).toEqual([]);
  });

  it('read a body with no canonical field as the shorthand in POST /tasks, as a canonical item in a batch', () => {
    expect(check(request('{}'), answer(201, { type: 'demo', payload: {} }))).toEqual([]);
    const batch = request('{"tasks":[{}]}', {
      url: '/tasks/batch',
      operation: { ...submit, path: '/tasks/batch', label: 'POST /tasks/batch' },
    });
    expect(check(batch, answer(201, { tasks: [{ type: 'demo', payload: null }] }))).toEqual([]);
    expect(kinds(check(batch, answer(201, { tasks: [{ type: 'demo', payload: {} }] })))).toEqual([
      'accepted task differs from what was sent',
    ]);
  });

  it('judge a submission sent with another method by its status only: GET /tasks lists', () => {
    const asGet = request('{"type":"sleep","payload":null}', { method: 'GET' });
    expect(check(asGet, answer(200, { tasks: [], nextCursor: null }))).toEqual([]);
  });

  it('catch a payload that lost its __proto__ member or held 1e309 as null', () => {
    const proto = request('{"type":"demo","payload":{"a":1,"__proto__":{"b":2}}}');
    expect(kinds(check(proto, answer(201, { type: 'demo', payload: { a: 1 } })))).toEqual([
      'accepted task differs from what was sent',
    ]);
    const huge = request('{"n":1e309}');
    expect(kinds(check(huge, answer(201, { type: 'demo', payload: { n: null } })))).toEqual([
      'accepted task differs from what was sent',
    ]);
  });

  it('catch a re-cased POST /TASKS that kept another task, and allow it a 404', () => {
    const recased = request('{"type":"sleep","payload":{"ms":1}}', { url: '/TASKS', onRoute: false, recased: true });
    expect(kinds(check(recased, answer(201, { type: 'demo', payload: {} })))).toEqual([
      'accepted task differs from what was sent',
    ]);
    expect(check(recased, answer(404, { statusCode: 404, message: 'Cannot POST /TASKS' }))).toEqual([]);
  });

  it('catch a refused write that stored a row, and a refusal that names nothing', () => {
    const refused = answer(400, { statusCode: 400, message: 'payload.ms must be an integer' });
    expect(check(request('{}'), refused, snapshot, snapshot)).toEqual([]);
    const stored = { ...snapshot, tasks: 5, newestTaskId: '5' };
    expect(kinds(check(request('{}'), refused, snapshot, stored))).toEqual(['stored from a refused request']);
    expect(kinds(check(request('{}'), { status: 400, contentType: 'text/html', text: '' }))).toEqual([
      'refusal that names nothing',
    ]);
  });

  it('catch a 500, an undocumented status and SQL in a body', () => {
    expect(kinds(check(request('{}'), answer(500, { statusCode: 500, message: 'unexpected error' })))).toEqual([
      'server error',
    ]);
    expect(kinds(check(request('{}'), answer(418, { statusCode: 418, message: 'teapot' })))).toEqual([
      'undocumented status',
    ]);
    const leak = answer(400, { statusCode: 400, message: 'invalid byte sequence for encoding "UTF8": 0x00' });
    expect(kinds(check(request('{}'), leak))).toEqual(['stack or SQL in the body']);
  });

  it('catch a wrong key accepted, an undeclared query parameter accepted, a cross-site write accepted', () => {
    const accepted = answer(201, { type: 'demo', payload: {} });
    expect(kinds(check(request('', { credential: 'wrong' }), accepted))).toEqual(['bad credential accepted']);
    expect(kinds(check(request('', { undocumentedQuery: true }), accepted))).toEqual([
      'undeclared query parameter accepted',
    ]);
    expect(kinds(check(request('', { crossSite: true, target: 'open' }), accepted))).toEqual([
      'cross-site write accepted',
    ]);
  });
});

describe('the fuzz bodies', () => {
  it('write __proto__ members and raw numbers as they are', () => {
    const body = setAt({ a: 1 }, ['__proto__'], { n: new RawJson('1e309') });
    expect(serialize(body)).toBe('{"a":1,"__proto__":{"n":1e309}}');
  });
});
