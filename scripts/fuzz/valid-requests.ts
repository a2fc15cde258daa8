import fc from 'fast-check';
import type { ApiDocument, Operation, Parameter } from './openapi.js';
import type { Draft } from './request.js';
import { VALID_AUTHORIZATION } from './request.js';
import { arbitraryFor } from './schema-arbitrary.js';
import type { Hints } from './schema-arbitrary.js';
import type { Target } from './service.js';

/**
 * Requests the document allows for `operation`, to either service, with the key when the service has keys:
 * every required parameter, each optional one or not, and a body from its schema.
 */
export function validDraft(document: ApiDocument, operation: Operation, hints: Hints): fc.Arbitrary<Draft> {
  const ofKind = (kind: Parameter['in']): Parameter[] => operation.parameters.filter((p) => p.in === kind);
  const valueOf = (parameter: Parameter): fc.Arbitrary<unknown> =>
    arbitraryFor(document, parameter.schema, hints, parameter.name);
  const optional = (parameter: Parameter): fc.Arbitrary<unknown> =>
    parameter.required ? valueOf(parameter) : fc.option(valueOf(parameter), { nil: undefined });
  return fc
    .record({
      target: fc.constantFrom<Target>('keys', 'open'),
      pathParams: fc.tuple(...ofKind('path').map(valueOf)),
      query: fc.tuple(...ofKind('query').map(optional)),
      headers: fc.tuple(...ofKind('header').map(optional)),
      body: operation.body === undefined ? fc.constant(undefined) : arbitraryFor(document, operation.body, hints),
    })
    .map(({ target, pathParams, query, headers, body }): Draft => {
      const present = (parameters: Parameter[], values: unknown[], write = urlValue): [string, string][] =>
        parameters.flatMap((parameter, i) =>
          values[i] === undefined ? [] : [[parameter.name, write(values[i])] as [string, string]],
        );
      return {
        operation,
        target,
        pathParams: Object.fromEntries(present(ofKind('path'), pathParams)),
        query: present(ofKind('query'), query),
        headers: [
          ...present(ofKind('header'), headers, String),
          ...(operation.body === undefined ? [] : [['Content-Type', 'application/json'] as [string, string]]),
        ],
        authorization: target === 'keys' ? [VALID_AUTHORIZATION] : [],
        credential: target === 'keys' ? 'valid' : 'missing',
        body: operation.body === undefined ? { kind: 'none' } : { kind: 'json', value: body },
        pathCase: 'documented',
        undocumentedQuery: false,
        crossSite: false,
        mutation: 'valid',
      };
    });
}

/** A parameter's value as it goes in a URL: arrays comma-separated (`?status=queued,running`), percent-encoded. */
function urlValue(value: unknown): string {
  const text = Array.isArray(value) ? value.map(String).join(',') : String(value);
  return encodeURIComponent(text);
}
