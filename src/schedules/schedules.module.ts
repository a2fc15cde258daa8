import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { TaskTypesModule } from '../task-types/task-types.module.js';
import { CodeScheduleSync } from './code-schedule-sync.service.js';
import { DeclaredSchedules } from './declared-schedules.js';
import type { ScheduleDeclaration } from './declared-schedules.js';
import { SchedulesRepository } from './schedules.repository.js';
import { SchedulesService } from './schedules.service.js';

/** Holds the declarations of one SchedulesModule.forFeature call. */
@Module({})
export class DeclaredSchedulesModule {}

/**
 * Recurring tasks: the schedules table, the service behind the /schedules API, and the start-up sync of the
 * schedules declared in code with `SchedulesModule.forFeature`. The runner that fires due schedules is a
 * periodic job (src/maintenance/); the HTTP routes are SchedulesHttpModule.
 */
@Module({
  imports: [DiscoveryModule, TaskStoreModule, TaskTypesModule],
  providers: [SchedulesRepository, SchedulesService, CodeScheduleSync],
  exports: [SchedulesRepository, SchedulesService],
})
export class SchedulesModule {
  /**
   * Declares schedules in code, from any module: `imports: [SchedulesModule.forFeature({ schedules: [...] })]`.
   * Each replica upserts them at start-up (source `code`) and deletes the code schedules it no longer
   * declares. The SchedulesModule itself is imported by TaskSystemModule.
   */
  static forFeature({ schedules }: { schedules: ScheduleDeclaration[] }): DynamicModule {
    return {
      module: DeclaredSchedulesModule,
      providers: [
        {
          provide: `declared-schedules:${schedules.map((schedule) => schedule.name).join(',')}`,
          useValue: new DeclaredSchedules(schedules),
        },
      ],
    };
  }
}
