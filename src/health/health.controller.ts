import { applyDecorators, Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { ErrorDto } from '../tasks/dto/task.dto.js';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';
import { TaskNotificationsService } from '../task-store/task-notifications.service.js';
import { HealthCheckDto } from './health.dto.js';

const DATABASE_TIMEOUT_MS = 2000;

/** Terminus's check with its no-cache header, documented here rather than by Terminus (health.dto.ts says why). */
const DocumentedHealthCheck = (): MethodDecorator =>
  applyDecorators(
    HealthCheck({ noCache: true, swaggerDocumentation: false }),
    ApiOkResponse({ type: HealthCheckDto, description: 'Every check passed' }),
    ApiServiceUnavailableResponse({ type: HealthCheckDto, description: 'A check failed: `error` names it' }),
  );

@ApiTags('health')
// No credentials: orchestrators and load balancers probe these without an API key.
@ApiSecurity({})
@ApiTooManyRequestsResponse({ description: 'Over THROTTLE_LIMIT requests per THROTTLE_TTL_MS', type: ErrorDto })
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly notifications: TaskNotificationsService,
  ) {}

  @Get()
  @DocumentedHealthCheck()
  @ApiOperation({ summary: 'Up and the database answers: 200; otherwise 503' })
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.database.pingCheck('database').withTimeout(DATABASE_TIMEOUT_MS)]);
  }

  @Get('live')
  @DocumentedHealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers (no dependency is checked)' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @DocumentedHealthCheck()
  @ApiOperation({ summary: 'Readiness: the database answers and the LISTEN connection is up' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database').withTimeout(DATABASE_TIMEOUT_MS),
      () => {
        const session = this.indicators.check('notifications');
        return this.notifications.isListening ? session.up() : session.down('LISTEN connection is down; reconnecting');
      },
    ]);
  }
}
