import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { isJsonObject } from '../tasks/task-submission.js';
import { CronSchedule } from './cron-schedule.js';
import type { Schedule, ScheduleDefinition } from './schedule.js';
import { readSchedulePatch } from './schedule-definition.js';
import { ScheduleRefusedError } from '../errors/schedule.errors.js';
import { TaskInputChecker } from '../task-types/task-input.checker.js';
import { SchedulesRepository } from './schedules.repository.js';

/** What the API can do with schedules: the rules between the HTTP face and the schedules table. */
@Injectable()
export class SchedulesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: SchedulesRepository,
    private readonly taskChecker: TaskInputChecker,
  ) {}

  list(): Promise<Schedule[]> {
    return this.repository.list();
  }

  async get(name: string): Promise<Schedule> {
    const schedule = await this.repository.get(name);
    if (!schedule) throw notFound(name);
    return schedule;
  }

  /** Stores a new schedule declared over the API; its first run is the first occurrence from now. */
  async create(definition: ScheduleDefinition): Promise<Schedule> {
    this.taskChecker.check(definition.task);
    const nextRunAt = new CronSchedule(definition.cron, definition.timezone).next(new Date());
    const schedule = await this.repository.insert({ ...definition, nextRunAt });
    if (!schedule) {
      throw new ScheduleRefusedError('SCHEDULE_ALREADY_EXISTS', `schedule "${definition.name}" already exists`);
    }
    return schedule;
  }

  /**
   * Changes a schedule. A new cron or time zone, or resuming it, moves its next run to the first occurrence
   * from now (a resumed schedule does not make up for the occurrences it was paused through). A schedule
   * declared in code can only be paused and resumed here: the rest would be undone at the next start-up.
   */
  async update(name: string, body: unknown): Promise<Schedule> {
    const current = await this.get(name);
    if (current.source === 'code' && isJsonObject(body) && Object.keys(body).some((field) => field !== 'paused')) {
      throw new ScheduleRefusedError(
        'SCHEDULE_DECLARED_IN_CODE',
        `schedule "${name}" is declared in code: only "paused" can be changed here; change the rest in the code`,
      );
    }
    const changed = await readSchedulePatch(body, current, this.config.defaultTaskType);
    if (Array.isArray(changed)) {
      throw new ScheduleRefusedError('INVALID_SCHEDULE', changed.length === 1 ? changed[0] : changed);
    }
    // A task given is checked as a new one; the stored one stays as it was accepted.
    if (isJsonObject(body) && 'task' in body) this.taskChecker.check(changed.task);
    const sameTiming = changed.cron === current.cron && changed.timezone === current.timezone;
    // current.nextRunAt is null while paused: resuming computes a new one.
    const nextRunAt =
      sameTiming && current.nextRunAt !== null
        ? null
        : new CronSchedule(changed.cron, changed.timezone).next(new Date());
    const schedule = await this.repository.update({ ...changed, nextRunAt });
    if (!schedule) throw notFound(name);
    return schedule;
  }

  /** Deletes a schedule declared over the API and returns it; the tasks it submitted stay. */
  async delete(name: string): Promise<Schedule> {
    const current = await this.get(name);
    if (current.source === 'code') {
      throw new ScheduleRefusedError(
        'SCHEDULE_DECLARED_IN_CODE',
        `schedule "${name}" is declared in code: remove it from the code (it is deleted at the next start-up)`,
      );
    }
    const deleted = await this.repository.delete(name);
    if (!deleted) throw notFound(name);
    return deleted;
  }
}

function notFound(name: string): ScheduleRefusedError {
  return new ScheduleRefusedError('SCHEDULE_NOT_FOUND', `schedule "${name}" does not exist`);
}
