import { ApiProperty } from '@nestjs/swagger';
import { ANY_JSON_VALUE } from '../../tasks/dto/task.dto.js';
import { OVERLAP_POLICIES, SCHEDULE_SOURCES } from '../schedule.js';
import type { OverlapPolicy, ScheduleSource } from '../schedule.js';

/** The task a schedule submits, with its defaults filled in. Documentation only. */
export class ScheduledTaskDto {
  @ApiProperty({ example: 'sleep' })
  type!: string;

  @ApiProperty({ ...ANY_JSON_VALUE, example: { ms: 2000 } })
  payload!: unknown;

  @ApiProperty({ type: 'integer', minimum: -100, maximum: 100, example: 0 })
  priority!: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100, example: 3 })
  maxAttempts!: number;

  @ApiProperty({ type: 'integer', nullable: true, example: 60000 })
  timeoutMs!: number | null;

  @ApiProperty({ example: 'default' })
  queue!: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  concurrencyKey!: string | null;
}

/** A schedule as every route returns it. Documentation only: the controller returns the stored Schedule. */
export class ScheduleDto {
  @ApiProperty({ example: 'nightly-report' })
  name!: string;

  @ApiProperty({ description: '5 fields, or 6 with seconds first', example: '0 9 * * 1-5' })
  cron!: string;

  @ApiProperty({ description: 'Canonical IANA time zone name', example: 'America/New_York' })
  timezone!: string;

  @ApiProperty({ type: ScheduledTaskDto })
  task!: ScheduledTaskDto;

  @ApiProperty({ enum: OVERLAP_POLICIES, example: 'skip' })
  overlap!: OverlapPolicy;

  @ApiProperty({ example: false })
  paused!: boolean;

  @ApiProperty({
    enum: SCHEDULE_SOURCES,
    description: 'api: created over the API; code: declared in code, upserted at start-up',
    example: 'api',
  })
  source!: ScheduleSource;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The next occurrence it will submit; null while paused',
    example: '2026-12-01T14:00:00.000Z',
  })
  nextRunAt!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The occurrence its last submitted task was for',
    example: '2026-11-30T14:00:00.000Z',
  })
  lastRunAt!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Id of the last task it submitted; its key is schedule:<name>:<occurrence>',
    example: '42',
  })
  lastTaskId!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class ScheduleListDto {
  @ApiProperty({ type: [ScheduleDto], description: 'Every schedule, by name' })
  schedules!: ScheduleDto[];
}
