import { Controller, Get, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { ErrorDto } from '../http/error.dto.js';
import { HttpErrorFilter } from '../http/http-error.filter.js';
import { GONE_WORKERS_KEPT_MS } from './worker.js';
import type { WorkerView } from './worker.js';
import { WorkerListDto } from './worker.dto.js';
import { WorkersRepository } from './workers.repository.js';

@ApiTags('workers')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
// Its own filter, so that embedded in an application without ours the same errors get the same answers.
@UseFilters(HttpErrorFilter)
@ApiUnauthorizedResponse({ description: 'API keys are configured and none valid was sent', type: ErrorDto })
@ApiTooManyRequestsResponse({ description: 'Over THROTTLE_LIMIT requests per THROTTLE_TTL_MS', type: ErrorDto })
@ApiServiceUnavailableResponse({ description: 'The database is unreachable', type: ErrorDto })
@Controller('workers')
export class WorkersController {
  constructor(private readonly workers: WorkersRepository) {}

  @Get()
  @ApiOperation({
    summary: 'List the replicas that run tasks',
    description:
      'Each replica with the worker on, as its last heartbeat (every LEASE_MS/3) described it: types, slots, slots in use, queues. ' +
      'Live ones first; then those gone in the last hour, `gone` with `goneAt`: stopped cleanly, or silent for a lease (killed, frozen, cut off).',
  })
  @ApiOkResponse({ type: WorkerListDto })
  async list(): Promise<{ workers: WorkerView[] }> {
    const workers = await this.workers.list(GONE_WORKERS_KEPT_MS);
    return { workers: workers.map((worker) => ({ ...worker, gone: worker.goneAt !== null })) };
  }
}
