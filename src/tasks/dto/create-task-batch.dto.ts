import { ApiProperty } from '@nestjs/swagger';
import { AdditionalProperties } from '../../http/swagger.js';
import { CreateTaskDto } from './create-task.dto.js';
import { TaskDto } from './task.dto.js';

export const MAX_BATCH_SIZE = 1000;

/** The body of POST /tasks/batch. Documentation only: TaskBatchPipe reads and checks it. */
@AdditionalProperties(false)
export class CreateTaskBatchDto {
  @ApiProperty({
    type: [CreateTaskDto],
    minItems: 1,
    maxItems: MAX_BATCH_SIZE,
    description: 'Canonical task bodies (no shorthand)',
  })
  tasks!: CreateTaskDto[];
}

export class TaskBatchDto {
  @ApiProperty({ type: [TaskDto], description: 'The stored tasks, in the order they were given' })
  tasks!: TaskDto[];
}
