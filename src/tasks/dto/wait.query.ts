import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_WAIT_MS } from '../task-manager.service.js';

/** `?wait=<ms>` on GET /tasks/:id and POST /tasks: answer once the task is terminal, or when the time is up. */
export class WaitQuery {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_WAIT_MS,
    description:
      'Wait up to this many ms for the task to end (succeeded, failed or cancelled, on any replica) before answering; the answer is the task as it then stands. Absent: answer at once.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `wait must be a whole number of milliseconds from 0 to ${MAX_WAIT_MS}` })
  @Min(0, { message: `wait must be a whole number of milliseconds from 0 to ${MAX_WAIT_MS}` })
  @Max(MAX_WAIT_MS, { message: `wait must be a whole number of milliseconds from 0 to ${MAX_WAIT_MS}` })
  wait?: number;
}
