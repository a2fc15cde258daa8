import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  UseGuards,
  UseFilters,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CrossSiteWriteGuard } from '../auth/cross-site-write.guard.js';
import { HttpErrorFilter } from '../http/http-error.filter.js';
import { CROSS_SITE_WRITE_REFUSED, ErrorDto } from '../http/error.dto.js';
import { CreateScheduleDto, UpdateScheduleDto } from './dto/create-schedule.dto.js';
import { ScheduleDto, ScheduleListDto } from './dto/schedule.dto.js';
import type { Schedule, ScheduleDefinition } from './schedule.js';
import { ScheduleDefinitionPipe, ScheduleNamePipe } from './schedule-pipes.js';
import { SchedulesService } from './schedules.service.js';

const NAME_PARAM = { name: 'name', description: 'Schedule name', example: 'nightly-report' };

const TASK_PROBLEMS =
  'unknown task type (the message names the known ones), a task field out of range or unknown, task.runAt or task.key, an invalid payload';

@ApiTags('schedules')
@ApiBearerAuth()
@UseGuards(CrossSiteWriteGuard, ApiKeyGuard)
// Its own filter, so that embedded in an application without ours the same errors get the same answers.
@UseFilters(HttpErrorFilter)
@ApiUnauthorizedResponse({ description: 'API keys are configured and none valid was sent', type: ErrorDto })
@ApiTooManyRequestsResponse({
  description: 'Over THROTTLE_LIMIT requests per THROTTLE_TTL_MS for this key or address',
  type: ErrorDto,
})
@ApiServiceUnavailableResponse({ description: 'The database is unreachable', type: ErrorDto })
@Controller('schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Get()
  @ApiOperation({
    summary: 'List schedules',
    description: 'Every schedule, declared over the API or in code, by name.',
  })
  @ApiOkResponse({ type: ScheduleListDto })
  async list(): Promise<{ schedules: Schedule[] }> {
    return { schedules: await this.schedules.list() };
  }

  @Post()
  @ApiForbiddenResponse(CROSS_SITE_WRITE_REFUSED)
  @ApiOperation({
    summary: 'Create a schedule',
    description:
      'From its next occurrence on, each occurrence of `cron` in `timezone` submits `task` (POST /tasks’ canonical body without runAt), with the idempotency key `schedule:<name>:<occurrence>`. Exactly one replica submits each occurrence. After downtime only the latest missed occurrence is submitted. See docs/schedules.md.',
  })
  @ApiBody({
    type: CreateScheduleDto,
    examples: {
      weekdays: {
        summary: '09:00 New York time, Monday to Friday',
        value: {
          name: 'morning-report',
          cron: '0 9 * * 1-5',
          timezone: 'America/New_York',
          task: { type: 'demo', payload: { report: 'daily' } },
          overlap: 'skip',
        },
      },
      everyTenSeconds: {
        summary: 'Six fields: every 10 seconds',
        value: { name: 'heartbeat', cron: '*/10 * * * * *', task: { type: 'sleep', payload: { ms: 100 } } },
      },
    },
  })
  @ApiCreatedResponse({ type: ScheduleDto, description: 'The schedule, stored, with its first nextRunAt' })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description: `Body not a JSON object, unknown or missing fields, a bad name, cron expression or time zone, ${TASK_PROBLEMS}`,
  })
  @ApiConflictResponse({ type: ErrorDto, description: 'A schedule of that name exists' })
  @ApiPayloadTooLargeResponse({ type: ErrorDto, description: 'The task’s payload is over PAYLOAD_LIMIT_BYTES' })
  create(@Body(ScheduleDefinitionPipe) definition: ScheduleDefinition): Promise<Schedule> {
    return this.schedules.create(definition);
  }

  @Get(':name')
  @ApiOperation({ summary: 'Read one schedule' })
  @ApiParam(NAME_PARAM)
  @ApiOkResponse({ type: ScheduleDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Not a schedule name' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No such schedule' })
  get(@Param('name', ScheduleNamePipe) name: string): Promise<Schedule> {
    return this.schedules.get(name);
  }

  @Patch(':name')
  @ApiForbiddenResponse(CROSS_SITE_WRITE_REFUSED)
  @ApiOperation({
    summary: 'Change, pause or resume a schedule',
    description:
      'The fields given replace the stored ones (`task` as a whole). A new cron or time zone, or resuming, moves nextRunAt to the first occurrence from now: occurrences passed while paused are not made up. A schedule declared in code can only be paused or resumed here.',
  })
  @ApiParam(NAME_PARAM)
  @ApiBody({
    type: UpdateScheduleDto,
    examples: {
      pause: { value: { paused: true } },
      retime: { value: { cron: '30 8 * * *', timezone: 'Europe/Paris' } },
    },
  })
  @ApiOkResponse({ type: ScheduleDto, description: 'The schedule as changed' })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description: `Not a schedule name, body not a JSON object, unknown fields or name, a bad cron expression or time zone, ${TASK_PROBLEMS}`,
  })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No such schedule' })
  @ApiConflictResponse({ type: ErrorDto, description: 'Declared in code, and the change is more than paused' })
  @ApiPayloadTooLargeResponse({ type: ErrorDto, description: 'The task’s payload is over PAYLOAD_LIMIT_BYTES' })
  update(@Param('name', ScheduleNamePipe) name: string, @Body() body: unknown): Promise<Schedule> {
    return this.schedules.update(name, body);
  }

  @Delete(':name')
  @ApiForbiddenResponse(CROSS_SITE_WRITE_REFUSED)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Delete a schedule',
    description: 'It submits nothing more; the tasks it already submitted stay. Answers with the deleted schedule.',
  })
  @ApiParam(NAME_PARAM)
  @ApiOkResponse({ type: ScheduleDto, description: 'The schedule as it was' })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Not a schedule name' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No such schedule' })
  @ApiConflictResponse({
    type: ErrorDto,
    description: 'Declared in code: remove it from the code (it is deleted at the next start-up)',
  })
  delete(@Param('name', ScheduleNamePipe) name: string): Promise<Schedule> {
    return this.schedules.delete(name);
  }
}
