import { BadRequestException, Injectable } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { isTaskId } from './task-id.js';

/** A task id in a path. Kept as a string, as the API shows ids, without leading zeros. */
@Injectable()
export class TaskIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isTaskId(value))
      throw new BadRequestException(`task id must be a positive integer (digits only), got "${value}"`);
    return BigInt(value).toString();
  }
}
