import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { AdditionalProperties } from '../http/swagger.js';

/**
 * The health checks' bodies (Terminus's HealthCheckResult), documented here rather than by Terminus's own
 * decorators: those need a `require()` of @nestjs/swagger, which fails in Jest's ESM sandbox, so the served
 * document would differ between the tests and production.
 */
@AdditionalProperties(true)
export class HealthIndicatorDto {
  @ApiProperty({ enum: ['up', 'degraded', 'down'], example: 'up' })
  status!: 'up' | 'degraded' | 'down';

  @ApiPropertyOptional({ description: 'Why it is down', example: 'LISTEN connection is down; reconnecting' })
  message?: string;
}

const INDICATORS = {
  type: 'object',
  additionalProperties: { $ref: getSchemaPath(HealthIndicatorDto) },
} as const;

@ApiExtraModels(HealthIndicatorDto)
export class HealthCheckDto {
  @ApiProperty({ enum: ['ok', 'error', 'degraded', 'shutting_down'], description: 'ok with 200; otherwise 503' })
  status!: 'ok' | 'error' | 'degraded' | 'shutting_down';

  @ApiPropertyOptional({
    ...INDICATORS,
    description: 'The checks that passed, by name',
    example: { database: { status: 'up' } },
  })
  info?: Record<string, HealthIndicatorDto>;

  @ApiPropertyOptional({ ...INDICATORS, description: 'The checks that failed, by name', example: {} })
  error?: Record<string, HealthIndicatorDto>;

  @ApiProperty({ ...INDICATORS, description: 'Every check, by name', example: { database: { status: 'up' } } })
  details!: Record<string, HealthIndicatorDto>;
}
