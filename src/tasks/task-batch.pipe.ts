import { BadRequestException, Injectable } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import type { CreateTaskDto } from './dto/create-task.dto.js';
import { MAX_BATCH_SIZE } from './dto/create-task-batch.dto.js';
import { isJsonObject, readCanonicalTask } from './task-submission.js';

/**
 * POST /tasks/batch: `{"tasks": [...]}` with 1 to MAX_BATCH_SIZE canonical bodies. All or nothing: the
 * first bad item is refused with 400 naming its index (`tasks[3]: …`).
 */
@Injectable()
export class TaskBatchPipe implements PipeTransform<unknown, Promise<CreateTaskDto[]>> {
  async transform(body: unknown): Promise<CreateTaskDto[]> {
    if (!isJsonObject(body) || !Array.isArray(body.tasks)) {
      throw new BadRequestException('body must be a JSON object {"tasks": [...]}');
    }
    const extra = Object.keys(body).filter((field) => field !== 'tasks');
    if (extra.length > 0)
      throw new BadRequestException(
        `unknown field(s) ${extra.map((f) => `"${f}"`).join(', ')}: only "tasks" is allowed`,
      );
    const items: unknown[] = body.tasks;
    if (items.length < 1 || items.length > MAX_BATCH_SIZE) {
      throw new BadRequestException(`tasks must hold 1 to ${MAX_BATCH_SIZE} tasks, got ${items.length}`);
    }
    const tasks: CreateTaskDto[] = [];
    for (const [index, item] of items.entries()) {
      const read = await readCanonicalTask(item);
      if (Array.isArray(read)) throw new BadRequestException(read.map((problem) => `tasks[${index}]: ${problem}`));
      tasks.push(read);
    }
    return tasks;
  }
}
