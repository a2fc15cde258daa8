import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { TASK_STATUSES, WAITING_REASONS } from '../../task-store/task.js';
import type { TaskStatus, WaitingReason } from '../../task-store/task.js';
import { IsTaskId } from '../task-id.js';
import { QUEUE_NAME, QUEUE_NAME_MESSAGE, TASK_TYPE, TASK_TYPE_MESSAGE } from './create-task.dto.js';

export class ListTasksQuery {
  @ApiPropertyOptional({
    enum: TASK_STATUSES,
    isArray: true,
    description: 'One or several statuses, comma-separated',
    example: ['queued', 'running'],
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value,
  )
  @IsIn(TASK_STATUSES, {
    each: true,
    message: `status must be one or more of ${TASK_STATUSES.join(', ')}, comma-separated`,
  })
  status?: TaskStatus[];

  @ApiPropertyOptional({ description: 'Only tasks of this type', example: 'demo' })
  @IsOptional()
  @IsString()
  @Matches(TASK_TYPE, { message: TASK_TYPE_MESSAGE })
  type?: string;

  @ApiPropertyOptional({ description: 'Only tasks of this queue', example: 'reports' })
  @IsOptional()
  @IsString()
  @Matches(QUEUE_NAME, { message: QUEUE_NAME_MESSAGE })
  queue?: string;

  @ApiPropertyOptional({
    enum: WAITING_REASONS,
    description:
      'Only queued tasks waiting for this reason (`status` may then be left out, or be `queued`); computed per task read',
    example: 'no-worker',
  })
  @IsOptional()
  @IsIn(WAITING_REASONS, { message: `waiting must be one of ${WAITING_REASONS.join(', ')}` })
  waiting?: WaitingReason;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsTaskId({ message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export const MAX_STOP_WAIT_MS = 30_000;

export class StopTaskQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_STOP_WAIT_MS,
    default: 5000,
    description: 'How long to wait for a running task to stop, in ms',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_STOP_WAIT_MS)
  wait?: number;
}
