import fc from 'fast-check';
import type { ApiDocument, Schema, SchemaObject } from './openapi.js';

/**
 * Values the document's schemas allow, as fast-check arbitraries: a valid request's body and parameters.
 *
 * A schema alone rarely makes a request the service accepts (a random `type` is an unknown task type, a
 * random cron string is no cron), so some names get `hints`: values that mean something to the service.
 * A hint is used three times in four, the schema's own arbitrary otherwise, so both kinds of answers come;
 * an `only` hint always (a `wait` the schema allows may hold a request for a minute).
 */
export type Hints = Record<string, fc.Arbitrary<unknown> | { only: fc.Arbitrary<unknown> }>;

/** Small JSON values: payloads and free-form objects. Big and hostile ones are the mutations' job. */
export const smallJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 });

/** Arrays are kept this short: a batch of 1,000 tasks per request would only slow the sweep down. */
const MAX_ITEMS = 3;
/** Strings without a stated maximum are kept this short, for the same reason. */
const MAX_STRING = 24;

export function arbitraryFor(
  document: ApiDocument,
  schema: Schema,
  hints: Hints,
  name?: string,
): fc.Arbitrary<unknown> {
  const hint = name === undefined ? undefined : hints[name];
  if (hint && 'only' in hint) return hint.only;
  const fromSchema = fromResolved(document, document.resolve(schema), hints);
  return hint ? fc.oneof({ arbitrary: hint, weight: 3 }, { arbitrary: fromSchema, weight: 1 }) : fromSchema;
}

function fromResolved(document: ApiDocument, schema: Schema, hints: Hints): fc.Arbitrary<unknown> {
  if (schema === true) return smallJson;
  if (schema === false) throw new Error('no value satisfies the schema `false`');
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => arbitraryFor(document, alternative, hints)));
  // Nest writes a described $ref as `allOf: [{ $ref }]`: one member.
  if (schema.allOf?.length === 1) return arbitraryFor(document, schema.allOf[0], hints);
  if (schema.allOf) throw new Error('allOf with several members is not supported');
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const types = schema.type === undefined ? [] : [schema.type].flat();
  if (types.length === 0) return smallJson;
  const byType = fc.oneof(...types.map((type) => ofType(document, schema, type, hints)));
  return schema.example === undefined
    ? byType
    : fc.oneof({ arbitrary: fc.constant(schema.example), weight: 1 }, { arbitrary: byType, weight: 2 });
}

function ofType(document: ApiDocument, schema: SchemaObject, type: string, hints: Hints): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      if (schema.format === 'date-time') {
        return fc
          .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
          .map((date) => date.toISOString());
      }
      return fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.min(schema.maxLength ?? MAX_STRING, MAX_STRING),
      });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -(2 ** 31), max: schema.maximum ?? 2 ** 31 - 1 });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e9,
        max: schema.maximum ?? 1e9,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items === undefined ? smallJson : arbitraryFor(document, schema.items, hints), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)),
      });
    case 'object':
      return objectOf(document, schema, hints);
    default:
      throw new Error(`the document uses a type the fuzz does not know: ${type}`);
  }
}

function objectOf(document: ApiDocument, schema: SchemaObject, hints: Hints): fc.Arbitrary<unknown> {
  const properties = Object.entries(schema.properties ?? {});
  const allowed = properties.filter(([, property]) => property !== false);
  const forbidden = new Set(properties.filter(([, property]) => property === false).map(([name]) => name));
  const record = fc.record(
    Object.fromEntries(allowed.map(([name, property]) => [name, arbitraryFor(document, property, hints, name)])),
    { requiredKeys: (schema.required ?? []).filter((name) => !forbidden.has(name)) },
  );
  if (schema.additionalProperties === undefined || schema.additionalProperties === false) return record;
  // A free-form object (a payload, the shorthand body): any keys but the forbidden ones.
  const extra = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !forbidden.has(key)),
    schema.additionalProperties === true ? smallJson : arbitraryFor(document, schema.additionalProperties, hints),
    { maxKeys: 4 },
  );
  return fc.tuple(record, extra).map(([declared, rest]) => ({ ...rest, ...declared }));
}
