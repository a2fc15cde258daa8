import { applyDecorators, Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { ErrorDto } from '../http/error.dto.js';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { HealthCheckResult, HealthIndicatorResult } from '@nestjs/terminus';
import { Database } from '../database/database.js';
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
    private readonly indicators: HealthIndicatorService,
    private readonly notifications: TaskNotificationsService,
    private readonly database: Database,
  ) {}

  /** `SELECT 1` on TaskSystem's pool, given up after DATABASE_TIMEOUT_MS (a hung connection counts as down). */
  private async pingDatabase(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('database');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${DATABASE_TIMEOUT_MS} ms`)), DATABASE_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.database.rows('SELECT 1', []), timeout]);
      return check.up();
    } catch (error) {
      return check.down((error as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  @Get()
  @DocumentedHealthCheck()
  @ApiOperation({ summary: 'Up and the database answers: 200; otherwise 503' })
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.pingDatabase()]);
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
      () => this.pingDatabase(),
      () => {
        const session = this.indicators.check('notifications');
        return this.notifications.isListening ? session.up() : session.down('LISTEN connection is down; reconnecting');
      },
    ]);
  }
}
