import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
// CommonJS: its function is the module's `default` export (its typings name only that).
import ajvFormats from 'ajv-formats';

/** The checked-in OpenAPI document, which the app must serve at /docs-json and every response must match. */
export const OPENAPI_DOCUMENT_FILE = new URL('../../openapi.json', import.meta.url);

type Json = Record<string, unknown>;

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Where the document is registered in Ajv: `#/components/...` refs inside it resolve against this. */
const DOCUMENT_ID = 'https://tasksystem.invalid/openapi.json';

/**
 * Validates real HTTP responses against the OpenAPI document: the status must be documented for the route,
 * the content type among the documented ones, and a JSON body must match its schema (JSON Schema 2020-12,
 * as OpenAPI 3.1 says), formats included. Stricter than the document in one way, on purpose: an object
 * schema that lists its properties admits no others unless it says so, so a field the server sends and the
 * document does not name fails here. Remembers which route and status each response was, for coverage.
 */
export class OpenApiResponseValidator {
  private readonly document: Json;
  /** `GET /tasks/{id} 200` for every response validated. */
  readonly seen = new Set<string>();
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes: { method: string; template: string; pattern: RegExp; operation: Operation }[] = [];

  constructor(document: Json = JSON.parse(readFileSync(OPENAPI_DOCUMENT_FILE, 'utf8')) as Json) {
    this.document = document;
    ajvFormats.default(this.ajv);
    // OpenAPI's keywords beside JSON Schema's, in schemas and (the document is registered whole, so that
    // `#/components/...` resolves) at the top: annotations, not assertions.
    this.ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
    this.ajv.addVocabulary(['openapi', 'info', 'servers', 'paths', 'components', 'security', 'tags', 'webhooks']);
    this.ajv.addSchema(closeObjects(structuredClone(document)), DOCUMENT_ID);
    const paths = document.paths as Record<string, Record<string, Operation>>;
    for (const [template, item] of Object.entries(paths)) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const method of METHODS) {
        if (item[method])
          this.routes.push({ method: method.toUpperCase(), template, pattern, operation: item[method] });
      }
    }
    // `/tasks/types` before `/tasks/{id}`: a literal segment wins over a parameter, as in the router.
    this.routes.sort((a, b) => countParameters(a.template) - countParameters(b.template));
  }

  /** Every documented operation, as `GET /tasks/{id}`. */
  get operations(): string[] {
    return this.routes.map(({ method, template }) => `${method} ${template}`);
  }

  /** Every documented response, as `GET /tasks/{id} 404`. */
  get responses(): string[] {
    return this.routes.flatMap(({ method, template, operation }) =>
      Object.keys(operation.responses).map((status) => `${method} ${template} ${status}`),
    );
  }

  /** Throws, naming the route and every mismatch, unless the response is as the document says. */
  check(method: string, url: string, status: number, contentType: string | null, body: unknown): void {
    const pathname = new URL(url, 'http://any').pathname;
    const route = this.routes.find((candidate) => candidate.method === method && candidate.pattern.test(pathname));
    if (!route) throw new Error(`${method} ${pathname} is not in the OpenAPI document`);
    const where = `${method} ${route.template} → ${status}`;
    const statusKey = [String(status), `${String(status)[0]}XX`, 'default'].find(
      (key) => route.operation.responses[key],
    );
    if (!statusKey)
      throw new Error(
        `${where}: status not documented (documented: ${Object.keys(route.operation.responses).join(', ')})`,
      );
    this.seen.add(`${method} ${route.template} ${status}`);
    const content = route.operation.responses[statusKey].content ?? {};
    const mediaType = contentType?.split(';')[0].trim() ?? '';
    if (!(mediaType in content)) {
      throw new Error(
        `${where}: content type "${mediaType}" not documented (documented: ${Object.keys(content).join(', ') || 'none'})`,
      );
    }
    if (content[mediaType].schema === undefined) return;
    const pointer = [
      'paths',
      route.template,
      route.method.toLowerCase(),
      'responses',
      statusKey,
      'content',
      mediaType,
      'schema',
    ]
      .map((segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1'))
      .join('/');
    const validate = this.validatorFor(pointer);
    if (!validate(body)) {
      throw new Error(
        `${where}: body does not match the document:\n${this.ajv.errorsText(validate.errors, { separator: '\n' })}\nbody: ${JSON.stringify(body)}`,
      );
    }
  }

  /**
   * A fetch that validates every response it returns (reading a copy of its body). For the typed client,
   * so that its calls are checked against the document too.
   */
  fetch(inner: typeof fetch = fetch): typeof fetch {
    return async (input, init) => {
      const request = new Request(input, init);
      const response = await inner(request);
      const contentType = response.headers.get('content-type');
      // An event stream stays open: its headers are checked, its body is not read.
      const body = contentType?.startsWith('text/event-stream')
        ? undefined
        : await readBody(response.clone(), contentType);
      this.check(request.method, request.url, response.status, contentType, body);
      return response;
    };
  }

  private validatorFor(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}#/${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }
}

async function readBody(response: Response, contentType: string | null): Promise<unknown> {
  const text = await response.text();
  return contentType?.includes('json') && text !== '' ? (JSON.parse(text) as unknown) : text;
}

const countParameters = (template: string): number => template.split('{').length - 1;

/**
 * Gives every object schema that names its properties and says nothing of others `additionalProperties:
 * false`, in place: the test then fails on fields the document does not name. Walks schemas only.
 */
function closeObjects(document: Json): Json {
  const close = (schema: unknown): void => {
    if (typeof schema !== 'object' || schema === null) return;
    if (Array.isArray(schema)) return schema.forEach(close);
    const node = schema as Json;
    if (node.properties && !('additionalProperties' in node)) node.additionalProperties = false;
    for (const key of ['properties', 'patternProperties', '$defs'] as const) {
      if (node[key]) Object.values(node[key] as Json).forEach(close);
    }
    for (const key of ['items', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'not'] as const) close(node[key]);
  };
  const components = (document.components as { schemas?: Json } | undefined)?.schemas ?? {};
  Object.values(components).forEach(close);
  for (const item of Object.values(document.paths as Record<string, Record<string, Operation>>)) {
    for (const method of METHODS) {
      for (const response of Object.values(item[method]?.responses ?? {})) {
        for (const media of Object.values(response.content ?? {})) close(media.schema);
      }
    }
  }
  return document;
}
