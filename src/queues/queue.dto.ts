import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsInt, Max, Min, ValidateIf } from 'class-validator';
import { AdditionalProperties } from '../http/swagger.js';
import { TaskCountsDto } from '../tasks/dto/task.dto.js';

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

  @ApiProperty({ type: TaskCountsDto, description: 'Its tasks by status, history included' })
  counts!: TaskCountsDto;
}

export class QueueListDto {
  @ApiProperty({ type: [QueueDto], description: 'Queues with tasks or settings, and `default`, by name' })
  queues!: QueueDto[];
}

@AdditionalProperties(false)
export class SetQueueLimitDto {
  @ApiProperty({
    type: 'integer',
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
