import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import type { CreateTaskDto } from './dto/create-task.dto.js';
import { readSubmission } from './task-submission.js';

/** POST /tasks: the body, canonical or shorthand, as a validated CreateTaskDto; 400 naming every problem. */
@Injectable()
export class TaskSubmissionPipe implements PipeTransform<unknown, Promise<CreateTaskDto>> {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async transform(body: unknown): Promise<CreateTaskDto> {
    const read = await readSubmission(body, this.config.defaultTaskType);
    if (Array.isArray(read)) throw new BadRequestException(read.length === 1 ? read[0] : read);
    return read;
  }
}
