import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { AdditionalProperties } from '../../http/swagger.js';
import { CreateTaskDto } from '../../tasks/dto/create-task.dto.js';
import { OVERLAP_POLICIES, SCHEDULE_NAME_PATTERN, SCHEDULE_NAME_RULE } from '../schedule.js';
import type { OverlapPolicy } from '../schedule.js';

/**
 * The task a schedule submits at each occurrence: POST /tasks' canonical body, same fields and rules,
 * without `runAt` (each occurrence runs when it comes) or `key` (each occurrence has its own). Documents
 * the `task` field, which readCanonicalTask checks exactly as POST /tasks checks a canonical body.
 */
@AdditionalProperties(false)
export class ScheduleTaskDto extends OmitType(CreateTaskDto, ['runAt', 'key'] as const) {}

/** POST /schedules. */
@AdditionalProperties(false)
export class CreateScheduleDto {
  @ApiProperty({ description: `Unique name: ${SCHEDULE_NAME_RULE}`, example: 'nightly-report' })
  @IsString()
  @Matches(SCHEDULE_NAME_PATTERN, { message: `name must be ${SCHEDULE_NAME_RULE}` })
  name!: string;

  @ApiProperty({
    description:
      'Cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first. Ranges, lists, steps and names (MON, JAN) are accepted.',
    example: '0 9 * * 1-5',
  })
  @IsString()
  @MaxLength(200)
  cron!: string;

  @ApiPropertyOptional({
    description: 'IANA time zone the cron expression is read in; stored under its canonical name',
    default: 'UTC',
    example: 'America/New_York',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  timezone?: string;

  @ApiProperty({ type: ScheduleTaskDto, description: 'What each occurrence submits' })
  @IsObject({ message: 'task must be an object: the canonical body of POST /tasks, without runAt' })
  task!: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: OVERLAP_POLICIES,
    default: 'skip',
    description:
      "skip: an occurrence that comes while the previous occurrence's task is still queued or running submits nothing; allow: it submits anyway",
  })
  @IsOptional()
  @IsIn(OVERLAP_POLICIES, { message: `overlap must be one of ${OVERLAP_POLICIES.join(', ')}` })
  overlap?: OverlapPolicy;

  @ApiPropertyOptional({ default: false, description: 'A paused schedule submits nothing until resumed' })
  @IsOptional()
  @IsBoolean()
  paused?: boolean;
}

/** The top-level fields of a schedule body. */
export const SCHEDULE_FIELDS = ['name', 'cron', 'timezone', 'task', 'overlap', 'paused'] as const;

/** PATCH /schedules/:name: any of the fields but the name; those given replace the stored ones. */
@AdditionalProperties(false)
export class UpdateScheduleDto extends OmitType(CreateScheduleDto, ['name', 'cron', 'task'] as const) {
  @ApiPropertyOptional({ description: 'Cron expression, as in POST /schedules', example: '*/15 * * * *' })
  cron?: string;

  @ApiPropertyOptional({ type: ScheduleTaskDto, description: 'What each occurrence submits, replaced whole' })
  task?: Record<string, unknown>;
}
