import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
  UseGuards,
  UseFilters,
} from '@nestjs/common';
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
    summary: "Set a queue's cluster-wide limits",
    description:
      'Each limit given is set, null lifts it, one left out stays. `concurrency`: at most that many of its tasks run at once on all replicas together. `keyConcurrency`: at most that many of its tasks with the same concurrencyKey. `rateLimit`: at most `limit` task starts in any `intervalMs`, in the queue or (`perKey`) per concurrencyKey; a task held back waits queued. A limit per replica is set with WORKER_QUEUES (`name:n`).',
  })
  @ApiParam(NAME_PARAM)
  @ApiOkResponse({ type: QueueDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Malformed queue name or limit, or no limit given' })
  limit(
    @Param('name', QueueNamePipe) name: string,
    // One problem per field: a missing number would otherwise be named by each of its three rules.
    @Body(new StrictValidationPipe({ stopAtFirstError: true })) body: SetQueueLimitDto,
  ): Promise<QueueView> {
    const { concurrency, keyConcurrency, rateLimit } = body;
    if ([concurrency, keyConcurrency, rateLimit].every((limit) => limit === undefined)) {
      throw new BadRequestException('give at least one of concurrency, keyConcurrency, rateLimit (null lifts a limit)');
    }
    return this.queues.limit(name, {
      concurrency,
      keyConcurrency,
      rateLimit: rateLimit && {
        limit: rateLimit.limit,
        intervalMs: rateLimit.intervalMs,
        perKey: rateLimit.perKey ?? false,
      },
    });
  }
}
