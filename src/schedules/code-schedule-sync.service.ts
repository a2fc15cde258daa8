import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { CronSchedule } from './cron-schedule.js';
import { DeclaredSchedules } from './declared-schedules.js';
import type { ScheduleDeclaration } from './declared-schedules.js';
import { readScheduleDefinition } from './schedule-definition.js';
import { TaskInputChecker } from '../task-types/task-input.checker.js';
import { SchedulesRepository } from './schedules.repository.js';
import type { StoredDefinition } from './schedules.repository.js';

/**
 * At start-up, makes the schedules declared in code (every `SchedulesModule.forFeature`) the stored
 * `code` schedules: upserts them, and deletes those no longer declared. A bad declaration stops start-up
 * with its name and problems, before the app listens or fires anything. Runs at module init, after
 * WorkerModule's (SchedulesModule imports it): the task types are known by then.
 */
@Injectable()
export class CodeScheduleSync implements OnModuleInit {
  private readonly logger = new Logger(CodeScheduleSync.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly discovery: DiscoveryService,
    private readonly taskChecker: TaskInputChecker,
    private readonly repository: SchedulesRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    const declarations = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is DeclaredSchedules => instance instanceof DeclaredSchedules)
      .flatMap((declared) => declared.schedules);
    const definitions: StoredDefinition[] = [];
    const now = new Date();
    for (const declaration of declarations) definitions.push(await this.read(declaration, now));
    const names = definitions.map((definition) => definition.name);
    const twice = names.filter((name, index) => names.indexOf(name) !== index);
    if (twice.length > 0) throw new Error(`schedule(s) ${[...new Set(twice)].join(', ')} declared twice in code`);

    const { inserted, updated, deleted } = await this.repository.replaceCodeSchedules(definitions);
    if (inserted.length > 0) this.logger.log(`schedules declared in code, created: ${inserted.join(', ')}`);
    if (updated.length > 0) this.logger.log(`schedules declared in code, updated: ${updated.join(', ')}`);
    if (deleted.length > 0) this.logger.log(`schedules no longer declared in code, deleted: ${deleted.join(', ')}`);
  }

  private async read(declaration: ScheduleDeclaration, now: Date): Promise<StoredDefinition> {
    const fail = (problems: string): Error =>
      new Error(`schedule "${String(declaration.name)}" declared in code is invalid: ${problems}`);
    const definition = await readScheduleDefinition(declaration, this.config.defaultTaskType);
    if (Array.isArray(definition)) throw fail(definition.join('; '));
    try {
      this.taskChecker.check(definition.task);
    } catch (error) {
      throw fail((error as Error).message);
    }
    const nextRunAt = new CronSchedule(definition.cron, definition.timezone).next(now);
    return { ...definition, paused: false, nextRunAt };
  }
}
