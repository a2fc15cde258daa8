import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Serves the Swagger UI at /docs and the OpenAPI 3 document at /docs-json, both generated from the code. */
export function setUpSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('TaskSystem')
    .setDescription(
      'Submit tasks, watch them run on any replica, and stop any of them at any moment. Tasks live in PostgreSQL; a 201 means the task is committed.',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'One of API_KEYS, when they are configured' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
