import { Controller, Get, Header, UseGuards } from '@nestjs/common';
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
import { MetricsScrape } from './metrics-scrape.js';

@ApiTags('health')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'API keys are configured and none valid was sent', type: ErrorDto })
@ApiTooManyRequestsResponse({ description: 'Over THROTTLE_LIMIT requests per THROTTLE_TTL_MS', type: ErrorDto })
@UseGuards(ApiKeyGuard)
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsScrape) {}

  /**
   * Kept, and guarded, when METRICS_PORT is set too: scrapers that send a key keep working, and the
   * metrics stay closed to anyone on the public port without one.
   */
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics (needs an API key when API_KEYS is set)' })
  @ApiOkResponse({ description: 'Prometheus text exposition format', content: { 'text/plain': {} } })
  scrape(): Promise<string> {
    return this.metrics.text();
  }
}
