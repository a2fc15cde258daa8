import { ApiProperty } from '@nestjs/swagger';

/** Nest's error body, which every 4xx and 5xx uses (http-error.filter.ts writes it). */
export class ErrorDto {
  @ApiProperty({ type: 'integer', example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'unknown task type "nope"; known types: demo, fail, sleep',
  })
  message!: string | string[];
}

/** The 403 every write route may answer (auth/cross-site-write.guard.ts). */
export const CROSS_SITE_WRITE_REFUSED = {
  description:
    'No API key is configured and a browser page on another origin, not listed in CORS_ORIGINS, sent this write (Origin, Sec-Fetch-Site)',
  type: ErrorDto,
};
