import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsObject, IsOptional, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { AdditionalProperties } from '../http/swagger.js';
import { TaskCountsDto } from '../tasks/dto/task.dto.js';

const CONCURRENCY_RULE = 'must be an integer from 1 to 10000, or null';
// The ValidationPipe names a nested field by its path: `rateLimit.limit must be …`.
const RATE_LIMIT_RULE = 'an integer from 1 to 100000';
const INTERVAL_RULE = 'an integer from 1 to 86400000 (a day)';

@AdditionalProperties(false)
export class RateLimitDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100000, example: 20, description: 'Task starts per interval' })
  @IsInt({ message: `limit must be ${RATE_LIMIT_RULE}` })
  @Min(1, { message: `limit must be ${RATE_LIMIT_RULE}` })
  @Max(100000, { message: `limit must be ${RATE_LIMIT_RULE}` })
  limit!: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 86400000, example: 1000, description: 'The interval, in ms' })
  @IsInt({ message: `intervalMs must be ${INTERVAL_RULE}` })
  @Min(1, { message: `intervalMs must be ${INTERVAL_RULE}` })
  @Max(86400000, { message: `intervalMs must be ${INTERVAL_RULE}` })
  intervalMs!: number;

  @ApiPropertyOptional({
    default: false,
    description: 'Each concurrency key gets its own limit (tasks without a key share one)',
  })
  @IsOptional()
  @IsBoolean({ message: 'perKey must be true or false' })
  perKey?: boolean;
}

/** Queued tasks per waiting reason; every reason is present (0 when none). */
export class WaitingCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 0 }) buffered!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 0 }) scheduled!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 0, name: 'retry-backoff' }) 'retry-backoff'!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 0, name: 'queue-paused' }) 'queue-paused'!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 0, name: 'no-worker' }) 'no-worker'!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 0, name: 'queue-limit' }) 'queue-limit'!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 2, name: 'key-limit' }) 'key-limit'!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 0, name: 'rate-limited' }) 'rate-limited'!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 3 }) ready!: number;
}

export class QueueDto {
  @ApiProperty({ example: 'reports' })
  name!: string;

  @ApiProperty({ description: 'Paused: no replica claims from it; running tasks go on' })
  paused!: boolean;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 2,
    description: 'At most this many of its tasks run at once on all replicas together; null: no limit',
  })
  concurrency!: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 1,
    description: 'At most this many of its tasks with the same concurrencyKey run at once; null: no limit',
  })
  keyConcurrency!: number | null;

  @ApiProperty({
    type: RateLimitDto,
    nullable: true,
    description: 'At most `limit` task starts in any `intervalMs` (sliding); null: no limit',
  })
  rateLimit!: RateLimitDto | null;

  @ApiProperty({ type: TaskCountsDto, description: 'Its tasks by status, history included' })
  counts!: TaskCountsDto;

  @ApiProperty({
    type: WaitingCountsDto,
    description: 'Its queued tasks by why they wait (the `waiting.reason` of GET /tasks/:id)',
  })
  waiting!: WaitingCountsDto;
}

export class QueueListDto {
  @ApiProperty({ type: [QueueDto], description: 'Queues with tasks or settings, and `default`, by name' })
  queues!: QueueDto[];
}

/** PUT /queues/:name: the limits given are set (null lifts one); those left out stay as they are. */
@AdditionalProperties(false)
export class SetQueueLimitDto {
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: 10000,
    example: 2,
    description: 'Cluster-wide concurrency limit; null lifts it',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt({ message: `concurrency ${CONCURRENCY_RULE}` })
  @Min(1, { message: `concurrency ${CONCURRENCY_RULE}` })
  @Max(10000, { message: `concurrency ${CONCURRENCY_RULE}` })
  concurrency?: number | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: 10000,
    example: 1,
    description: 'Tasks of one concurrencyKey running at once, cluster-wide; null lifts it',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt({ message: `keyConcurrency ${CONCURRENCY_RULE}` })
  @Min(1, { message: `keyConcurrency ${CONCURRENCY_RULE}` })
  @Max(10000, { message: `keyConcurrency ${CONCURRENCY_RULE}` })
  keyConcurrency?: number | null;

  @ApiPropertyOptional({
    type: RateLimitDto,
    nullable: true,
    description: 'Task starts per interval, cluster-wide (a rate-limited task waits queued); null lifts it',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsObject({ message: 'rateLimit must be an object {"limit": n, "intervalMs": t, "perKey"?: boolean}, or null' })
  @ValidateNested()
  @Type(() => RateLimitDto)
  rateLimit?: RateLimitDto | null;
}
