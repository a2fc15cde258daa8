import { BadRequestException, Injectable } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { QUEUE_NAME, QUEUE_NAME_RULE } from '../config/queue-name.js';

/** A queue name from the path, held to the same rule as a task's `queue` field. */
@Injectable()
export class QueueNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!QUEUE_NAME.test(value)) throw new BadRequestException(`queue must be ${QUEUE_NAME_RULE}`);
    return value;
  }
}
