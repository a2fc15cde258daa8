import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { SCHEDULE_NAME_PATTERN, SCHEDULE_NAME_RULE } from './schedule.js';
import type { ScheduleDefinition } from './schedule.js';
import { readScheduleDefinition } from './schedule-definition.js';

/** POST /schedules: the body as a checked ScheduleDefinition; 400 naming every problem. */
@Injectable()
export class ScheduleDefinitionPipe implements PipeTransform<unknown, Promise<ScheduleDefinition>> {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async transform(body: unknown): Promise<ScheduleDefinition> {
    const read = await readScheduleDefinition(body, this.config.defaultTaskType);
    if (Array.isArray(read)) throw new BadRequestException(read.length === 1 ? read[0] : read);
    return read;
  }
}

/** `:name`: 400 for a name no schedule can have, rather than a 404 that hides the typo's kind. */
@Injectable()
export class ScheduleNamePipe implements PipeTransform<string, string> {
  transform(name: string): string {
    if (!SCHEDULE_NAME_PATTERN.test(name)) {
      throw new BadRequestException(`"${name}" is not a schedule name: names are ${SCHEDULE_NAME_RULE}`);
    }
    return name;
  }
}
