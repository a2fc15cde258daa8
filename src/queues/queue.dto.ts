import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsInt, Max, Min, ValidateIf } from 'class-validator';

export class QueueCountsDto {
  @ApiProperty({ example: 12 }) queued!: number;
  @ApiProperty({ example: 2 }) running!: number;
  @ApiProperty({ example: 340 }) succeeded!: number;
  @ApiProperty({ example: 3 }) failed!: number;
  @ApiProperty({ example: 1 }) cancelled!: number;
}

export class QueueDto {
  @ApiProperty({ example: 'reports' })
  name!: string;

  @ApiProperty({ description: 'Paused: no replica claims from it; running tasks go on' })
  paused!: boolean;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 2,
    description: 'At most this many of its tasks run at once on all replicas together; null: no limit',
  })
  concurrency!: number | null;

  @ApiProperty({ type: QueueCountsDto, description: 'Its tasks by status, history included' })
  counts!: QueueCountsDto;
}

export class QueueListDto {
  @ApiProperty({ type: [QueueDto], description: 'Queues with tasks or settings, and `default`, by name' })
  queues!: QueueDto[];
}

export class SetQueueLimitDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: 10000,
    example: 2,
    description: 'Cluster-wide concurrency limit; null lifts it',
  })
  @IsDefined({ message: 'concurrency is required: a number from 1 to 10000, or null for no limit' })
  @ValidateIf((_, value) => value !== null)
  @IsInt({ message: 'concurrency must be an integer from 1 to 10000, or null' })
  @Min(1, { message: 'concurrency must be an integer from 1 to 10000, or null' })
  @Max(10000, { message: 'concurrency must be an integer from 1 to 10000, or null' })
  concurrency!: number | null;
}
