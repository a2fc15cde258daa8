import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ApiPropertyOptions } from '@nestjs/swagger';
import { AdditionalProperties } from '../../http/swagger.js';
import { TASK_STATUSES, WAITING_REASONS } from '../../task-store/task.js';
import type { TaskStatus, WaitingReason } from '../../task-store/task.js';
import { ErrorDto } from '../../http/error.dto.js';

/**
 * "Any JSON value" in the OpenAPI document, null included. A bare `type: object` would make clients refuse
 * strings and arrays, and an object without `additionalProperties` generates as an object with no keys.
 */
export const ANY_JSON_VALUE = {
  anyOf: [
    { type: 'object', additionalProperties: true },
    { type: 'array', items: {} },
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'null' },
  ],
} satisfies Pick<ApiPropertyOptions, 'anyOf'>;

/** `{message, ...}`: a handler's thrown Error also gives its `name`; other details may follow. */
@AdditionalProperties(true)
export class TaskErrorDto {
  @ApiProperty({ example: 'stopped on request' })
  message!: string;

  @ApiPropertyOptional({ description: 'The name of the Error the handler threw', example: 'TypeError' })
  name?: string;
}

export class TaskProgressDto {
  @ApiProperty({ minimum: 0, maximum: 100, example: 40 })
  percent!: number;

  @ApiPropertyOptional({ example: 'resized 4 of 10 images' })
  message?: string;
}

/** Why a queued task has not started yet (docs/api.md, "Why is it waiting?"). */
export class WaitingDto {
  @ApiProperty({
    enum: WAITING_REASONS,
    description:
      'The first that holds, in this order: scheduled, retry-backoff, queue-paused, no-worker, queue-limit, key-limit, rate-limited, ready',
    example: 'key-limit',
  })
  reason!: WaitingReason;

  @ApiProperty({
    description: 'The reason for a human, with its figures',
    example: '2 of 2 tasks with key tenant-7 are running (keyConcurrency 2)',
  })
  message!: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'scheduled, retry-backoff: its runAt; rate-limited: when the window lets one more task start',
  })
  until?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 1001,
    description:
      "ready, on GET /tasks/:id only: its place among the claimable tasks of its lane (its concurrency key, or its queue's tasks without a key); 1 = next; counted up to 1,000 before it, 1001 means more",
    example: 1,
  })
  position?: number;
}

/** A task as every route returns it. Documentation only: the controller returns the stored Task. */
export class TaskDto {
  @ApiProperty({ description: 'Database identity (bigint) as a string of digits', example: '42' })
  id!: string;

  @ApiProperty({ description: 'Name of a registered task type', example: 'demo' })
  type!: string;

  @ApiProperty({ description: 'The named queue it waits in', example: 'default' })
  queue!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Idempotency key', example: null })
  key!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "Concurrency key: its lane in the claim order, and what the queue's keyConcurrency limits",
    example: 'tenant-42',
  })
  concurrencyKey!: string | null;

  @ApiProperty({
    ...ANY_JSON_VALUE,
    description: 'The input given at submission (any JSON value)',
    example: { name: 'Jean', number: '42' },
  })
  payload!: unknown;

  @ApiProperty({ enum: TASK_STATUSES, description: 'succeeded, failed and cancelled are terminal', example: 'queued' })
  status!: TaskStatus;

  @ApiProperty({
    type: 'integer',
    minimum: -100,
    maximum: 100,
    description: 'Higher runs first; equal priority runs in submission order',
    example: 0,
  })
  priority!: number;

  @ApiProperty({ format: 'date-time', description: 'Not started before this instant' })
  runAt!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'How many times a worker has started it', example: 0 })
  attempt!: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100, example: 3 })
  maxAttempts!: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'An attempt running longer is aborted and counts as failed',
    example: null,
  })
  timeoutMs!: number | null;

  @ApiProperty({ ...ANY_JSON_VALUE, description: 'What the handler returned (succeeded tasks)', example: null })
  result!: unknown;

  @ApiProperty({
    type: TaskErrorDto,
    nullable: true,
    description: 'Why the last attempt failed, or why it was stopped',
  })
  error!: TaskErrorDto | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When a stop was asked for' })
  cancelRequestedAt!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Replica and slot that holds or last held it',
    example: 'web-1-4711-ab12/3',
  })
  workerId!: string | null;

  @ApiProperty({ type: TaskProgressDto, nullable: true, description: 'Last progress a handler reported' })
  progress!: TaskProgressDto | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finishedAt!: string | null;

  @ApiPropertyOptional({
    type: WaitingDto,
    description: 'Queued tasks on GET /tasks/:id and GET /tasks: why it has not started yet, computed on read',
  })
  waiting?: WaitingDto;
}

export class TaskPageDto {
  @ApiProperty({ type: [TaskDto], description: 'Newest first' })
  tasks!: TaskDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` to get the next page; null on the last page',
    example: '17',
  })
  nextCursor!: string | null;
}

export class TaskAttemptDto {
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    example: 1,
    description: 'Counts from 1; starts again after POST /tasks/:id/retry',
  })
  attempt!: number;

  @ApiProperty({ example: 'web-1-4242-ab12/3', description: 'Replica and slot that ran it' })
  workerId!: string;

  @ApiProperty({ enum: ['running', 'succeeded', 'failed', 'cancelled'] })
  status!: string;

  @ApiProperty({ type: TaskErrorDto, nullable: true, description: 'Why it failed or was stopped' })
  error!: TaskErrorDto | null;

  @ApiProperty({ type: String, format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Null while it runs' })
  finishedAt!: string | null;
}

export class TaskAttemptListDto {
  @ApiProperty({ type: [TaskAttemptDto], description: 'Oldest first' })
  attempts!: TaskAttemptDto[];
}

export class TaskCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 12 }) queued!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 2 }) running!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 340 }) succeeded!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 3 }) failed!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 1 }) cancelled!: number;
}

export class TaskTypeDto {
  @ApiProperty({ example: 'sleep' })
  type!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Waits payload.ms milliseconds, honouring a stop' })
  description!: string | null;
}

/** A 409 about a task carries the task as it is (a TaskRefusedError's `task`). */
export class ConflictErrorDto extends ErrorDto {
  @ApiProperty({ type: TaskDto, description: 'The task as it is' })
  task!: TaskDto;
}
