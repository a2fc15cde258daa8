import { ApiPropertyOptional } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import { AdditionalProperties } from '../../http/swagger.js';
import { MAX_PAYLOAD_DEPTH } from '../../json/storable-json.js';
import { ANY_JSON_VALUE } from './task.dto.js';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const MAX_TIMEOUT_MS = 24 * 60 * 60 * 1000;
export const QUEUE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const QUEUE_NAME_MESSAGE = 'queue must be 1-63 lowercase letters, digits or ._- starting with a letter or digit';
/** What a stored task's type may be; the list's filter is held to it too, so no other text reaches SQL. */
export const TASK_TYPE = /^[A-Za-z0-9_.:-]{1,100}$/;
export const TASK_TYPE_MESSAGE = 'type must be 1-100 letters, digits or _.:-';
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
export const IDEMPOTENCY_KEY_MESSAGE = 'key must be 1-200 printable ASCII characters without spaces';
/** A concurrency key follows the idempotency key's rule: an identifier of the caller's (a tenant, an account). */
export const CONCURRENCY_KEY = IDEMPOTENCY_KEY;
export const CONCURRENCY_KEY_MESSAGE = 'concurrencyKey must be 1-200 printable ASCII characters without spaces';
const RUN_AT_MESSAGE = 'runAt must be an ISO-8601 date-time with Z or an offset, e.g. 2026-12-01T09:00:00Z';

/**
 * The canonical body of POST /tasks. Every field is optional. A JSON object with none of these fields
 * is the shorthand of the original TaskSystem: it is the payload of the default task type.
 */
@AdditionalProperties(false)
export class CreateTaskDto {
  @ApiPropertyOptional({ description: 'Task type; default: DEFAULT_TASK_TYPE (demo)', example: 'sleep' })
  @IsOptional()
  @IsString()
  @Matches(TASK_TYPE, { message: TASK_TYPE_MESSAGE })
  type?: string;

  @ApiPropertyOptional({
    ...ANY_JSON_VALUE,
    description: `Input for the handler: any JSON value, stored exactly as sent (whatever its keys), at most PAYLOAD_LIMIT_BYTES (64 KiB), nesting arrays and objects at most ${MAX_PAYLOAD_DEPTH} levels deep. Refused with 400 naming the place: deeper nesting, text holding \\u0000 or an unpaired surrogate (PostgreSQL cannot store them), a number beyond ±1.8e308 such as 1e309 (JSON cannot carry it).`,
    example: { ms: 2000 },
  })
  @IsOptional()
  payload?: unknown;

  @ApiPropertyOptional({ type: 'integer', minimum: -100, maximum: 100, default: 0, description: 'Higher runs first' })
  @IsOptional()
  @IsInt()
  @Min(-100)
  @Max(100)
  priority?: number;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Not started before this instant; default now',
    example: '2026-12-01T09:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: RUN_AT_MESSAGE })
  // Without Z or an offset the instant would depend on the server's time zone.
  @Matches(/T.*(Z|[+-][0-9]{2}(:?[0-9]{2})?)$/i, { message: RUN_AT_MESSAGE })
  runAt?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 100,
    default: 3,
    description: 'After this many failed attempts the task is failed',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  maxAttempts?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_TIMEOUT_MS,
    nullable: true,
    description: 'An attempt running longer is aborted and counts as failed; null: no timeout',
    example: 60000,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TIMEOUT_MS)
  timeoutMs?: number | null;

  @ApiPropertyOptional({
    default: 'default',
    description: 'The named queue it waits in (pause, concurrency limits, WORKER_QUEUES)',
    example: 'reports',
  })
  @IsOptional()
  @IsString()
  @Matches(QUEUE_NAME, { message: QUEUE_NAME_MESSAGE })
  queue?: string;

  @ApiPropertyOptional({
    description:
      'Idempotency key: while a task with this key exists, submitting it again returns that task (200) instead of a new one; with a different body → 409',
    example: 'invoice-2026-11-42',
  })
  @IsOptional()
  @IsString()
  @Matches(IDEMPOTENCY_KEY, { message: IDEMPOTENCY_KEY_MESSAGE })
  key?: string;

  @ApiPropertyOptional({
    description:
      "Concurrency key, e.g. a tenant or account id: claims take the keys of a queue in turn (one key's backlog does not hold up another's), and the queue's keyConcurrency limits how many tasks of one key run at once",
    example: 'tenant-42',
  })
  @IsOptional()
  @IsString({ message: CONCURRENCY_KEY_MESSAGE })
  @Matches(CONCURRENCY_KEY, { message: CONCURRENCY_KEY_MESSAGE })
  concurrencyKey?: string;
}

/** The top-level fields that make a body canonical rather than shorthand. */
export const CANONICAL_FIELDS = [
  'type',
  'payload',
  'priority',
  'runAt',
  'maxAttempts',
  'timeoutMs',
  'queue',
  'key',
  'concurrencyKey',
] as const;

/**
 * JSON Schema's `false`: no value is valid, so the property must be absent (generated types say `never`).
 * Nest's SchemaObject type predates OpenAPI 3.1, where a schema may be a boolean.
 */
const ABSENT = false as unknown as SchemaObject;

/**
 * The shorthand body of POST /tasks, for the OpenAPI document: a JSON object with none of the canonical
 * fields (each is `false`: present, it makes the body canonical), the payload of the default task type.
 */
export const SHORTHAND_TASK_BODY: SchemaObject = {
  type: 'object',
  title: 'Shorthand task body',
  description:
    'The shorthand of the original TaskSystem: a JSON object with none of the canonical fields is the payload of the default task type (DEFAULT_TASK_TYPE), under the same rules as `payload`',
  properties: Object.fromEntries(CANONICAL_FIELDS.map((field) => [field, ABSENT])),
  additionalProperties: true,
};
