/** The parts of an OpenAPI 3.1 document the fuzz reads: its operations, their parameters, bodies and answers. */

/** A JSON Schema as the document writes it (3.1: plain JSON Schema, `true`/`false` included). */
export type Schema = boolean | SchemaObject;

export interface SchemaObject {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  example?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  /** The documented path, with `{name}` for each path parameter: `/tasks/{id}`. */
  path: string;
  /** `POST /tasks/{id}/retry`: how reports name it. */
  label: string;
  parameters: Parameter[];
  /** The application/json body's schema; absent: the operation takes no body. */
  body?: Schema;
  /** The statuses the document lists for it, as numbers. */
  statuses: Set<number>;
  /** Whether it asks for the bearer key (an empty `security` entry, `{}`, means it is open). */
  secured: boolean;
}

interface Document {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface RawOperation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses: Record<string, unknown>;
  security?: Record<string, unknown>[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export class ApiDocument {
  readonly operations: Operation[];

  constructor(private readonly document: Document) {
    this.operations = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => toOperation(method, path, item[method])),
    );
  }

  /** The schema a `$ref` points at (`#/components/schemas/X`); any other schema as it is. */
  resolve(schema: Schema): Schema {
    if (typeof schema === 'boolean' || !schema.$ref) return schema;
    const name = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name === undefined ? undefined : this.document.components?.schemas?.[name];
    if (target === undefined) throw new Error(`the document's ${schema.$ref} leads nowhere`);
    return this.resolve(target);
  }
}

function toOperation(method: string, path: string, raw: RawOperation): Operation {
  return {
    method: method.toUpperCase(),
    path,
    label: `${method.toUpperCase()} ${path}`,
    parameters: raw.parameters ?? [],
    body: raw.requestBody?.content?.['application/json']?.schema,
    statuses: new Set(Object.keys(raw.responses).map(Number)),
    secured: (raw.security ?? []).some((requirement) => Object.keys(requirement).length > 0),
  };
}
