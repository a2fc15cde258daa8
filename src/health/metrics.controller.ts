import { Controller, Get, Header, Inject, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorDto } from '../http/error.dto.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { TaskRepository } from '../task-store/task.repository.js';
import { TaskMetrics } from '../metrics/task-metrics.js';

/** Scrapes may come every few seconds from several collectors; the depth query runs at most this often. */
const QUEUE_DEPTH_MAX_AGE_MS = 5000;

@ApiTags('health')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'API keys are configured and none valid was sent', type: ErrorDto })
@ApiTooManyRequestsResponse({ description: 'Over THROTTLE_LIMIT requests per THROTTLE_TTL_MS', type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('metrics')
export class MetricsController {
  private depthReadAt = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: TaskMetrics,
    private readonly tasks: TaskRepository,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics (needs an API key when API_KEYS is set)' })
  @ApiOkResponse({ description: 'Prometheus text exposition format', content: { 'text/plain': {} } })
  async scrape(): Promise<string> {
    if (Date.now() - this.depthReadAt > QUEUE_DEPTH_MAX_AGE_MS) {
      this.depthReadAt = Date.now();
      for (const { status, count } of await this.tasks.countLive()) this.metrics.queueDepth.set({ status }, count);
    }
    return this.metrics.registry.metrics();
  }
}
