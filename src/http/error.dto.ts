import { ApiProperty } from '@nestjs/swagger';
import { TaskDto } from '../tasks/dto/task.dto.js';

/** Nest's error body, which every 4xx and 5xx uses (http-error.filter.ts writes it). */
export class ErrorDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'unknown task type "nope"; known types: demo, fail, sleep',
  })
  message!: string | string[];
}

/** A 409 about a task carries the task as it is (a TaskRefusedError's `task`). */
export class ConflictErrorDto extends ErrorDto {
  @ApiProperty({ type: TaskDto, description: 'The task as it is' })
  task!: TaskDto;
}
