import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Put, UseGuards, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiPayloadTooLargeResponse,
  ApiUnsupportedMediaTypeResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CrossSiteWriteGuard } from '../auth/cross-site-write.guard.js';
import { HttpErrorFilter } from '../http/http-error.filter.js';
import { StrictValidationPipe } from '../http/strict-validation.pipe.js';
import { CROSS_SITE_WRITE_REFUSED, ErrorDto, UNDECODABLE_BODY } from '../http/error.dto.js';
import { QueueDto, QueueListDto, SetQueueLimitDto } from './queue.dto.js';
import { QueueNamePipe } from './queue-name.pipe.js';
import { QueuesService } from './queues.service.js';
import type { QueueView } from './queues.service.js';

const NAME_PARAM = { name: 'name', description: 'Queue name', example: 'reports' };

@ApiTags('queues')
@ApiBearerAuth()
@UseGuards(CrossSiteWriteGuard, ApiKeyGuard)
// Its own filter, so that embedded in an application without ours the same errors get the same answers.
@UseFilters(HttpErrorFilter)
@ApiUnauthorizedResponse({ description: 'API keys are configured and none valid was sent', type: ErrorDto })
@ApiTooManyRequestsResponse({ description: 'Over THROTTLE_LIMIT requests per THROTTLE_TTL_MS', type: ErrorDto })
@ApiServiceUnavailableResponse({ description: 'The database is unreachable', type: ErrorDto })
@Controller('queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Get()
  @ApiOperation({ summary: 'List queues with their settings and tasks by status' })
  @ApiOkResponse({ type: QueueListDto })
  async list(): Promise<{ queues: QueueView[] }> {
    return { queues: await this.queues.list() };
  }

  @Post(':name/pause')
  @ApiForbiddenResponse(CROSS_SITE_WRITE_REFUSED)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Pause a queue',
    description: 'No replica claims its tasks until it is resumed (within one poll); tasks already running go on.',
  })
  @ApiParam(NAME_PARAM)
  @ApiOkResponse({ type: QueueDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Malformed queue name' })
  pause(@Param('name', QueueNamePipe) name: string): Promise<QueueView> {
    return this.queues.pause(name);
  }

  @Post(':name/resume')
  @ApiForbiddenResponse(CROSS_SITE_WRITE_REFUSED)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Resume a paused queue', description: 'Replicas claim from it again at their next poll.' })
  @ApiParam(NAME_PARAM)
  @ApiOkResponse({ type: QueueDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Malformed queue name' })
  resume(@Param('name', QueueNamePipe) name: string): Promise<QueueView> {
    return this.queues.resume(name);
  }

  @Put(':name')
  @ApiPayloadTooLargeResponse({ type: ErrorDto, description: 'The body is over 16 KiB' })
  @ApiUnsupportedMediaTypeResponse(UNDECODABLE_BODY)
  @ApiForbiddenResponse(CROSS_SITE_WRITE_REFUSED)
  @ApiOperation({
    summary: "Set a queue's cluster-wide concurrency limit",
    description:
      'At most `concurrency` of its tasks run at once on all replicas together (null lifts the limit). A limit per replica is set with WORKER_QUEUES (`name:n`).',
  })
  @ApiParam(NAME_PARAM)
  @ApiOkResponse({ type: QueueDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Malformed queue name or concurrency' })
  limit(
    @Param('name', QueueNamePipe) name: string,
    @Body(new StrictValidationPipe()) body: SetQueueLimitDto,
  ): Promise<QueueView> {
    return this.queues.limit(name, body.concurrency);
  }
}
