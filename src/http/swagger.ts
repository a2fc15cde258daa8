import type { INestApplication } from '@nestjs/common';
import { ApiSchema, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ApiSchemaOptions, OpenAPIObject } from '@nestjs/swagger';

/**
 * OpenAPI 3.1: its schemas are JSON Schema 2020-12, so "or null" is `type: [..., "null"]` or
 * `anyOf: [{$ref}, {type: "null"}]`. In 3.0, `nullable` beside `allOf`/`oneOf` does not admit null to the
 * referenced schema, and strict validators refused every task (its `error`, `progress`, `payload`, `result`).
 * Nest writes 3.1's forms from `nullable: true` when asked for this version.
 */
export const OPENAPI_VERSION = '3.1.0';

/** The OpenAPI document of the app's routes, as /docs-json serves it and `npm run openapi` writes it. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion(OPENAPI_VERSION)
    .setTitle('TaskSystem')
    .setDescription(
      'Submit tasks, watch them run on any replica, and stop any of them at any moment. Tasks live in PostgreSQL; a 201 means the task is committed.',
    )
    .setVersion('0.1.0')
    // Relative: the replica that serves the document (and the Swagger UI's "Try it out") is the API.
    .addServer('/', 'The replica serving this document')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'One of API_KEYS, when they are configured' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the Swagger UI at /docs and the OpenAPI document at /docs-json, both generated from the code. */
export function setUpSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, createOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
  });
}

/**
 * Sets a DTO schema's `additionalProperties`: false on the bodies whose unknown fields the API refuses with
 * a 400 (a generated client then refuses them too), true on objects that may carry more than is named.
 * Nest's ApiSchema copies every option into the schema; its type names only `name` and `description`.
 */
export const AdditionalProperties = (allowed: boolean): ClassDecorator =>
  ApiSchema({ additionalProperties: allowed } as ApiSchemaOptions);
