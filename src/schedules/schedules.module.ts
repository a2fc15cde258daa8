import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { WorkerModule } from '../worker/worker.module.js';
import { CodeScheduleSync } from './code-schedule-sync.service.js';
import { DeclaredSchedules } from './declared-schedules.js';
import type { ScheduleDeclaration } from './declared-schedules.js';
import { ScheduleDefinitionPipe } from './schedule-pipes.js';
import { SchedulesController } from './schedules.controller.js';
import { SchedulesRepository } from './schedules.repository.js';
import { SchedulesService } from './schedules.service.js';

/** Holds the declarations of one SchedulesModule.forFeature call. */
@Module({})
export class DeclaredSchedulesModule {}

/**
 * Recurring tasks: the /schedules API and the start-up sync of the schedules declared in code with
 * `SchedulesModule.forFeature`. The runner that fires due schedules is a periodic job (src/maintenance/).
 */
@Module({
  imports: [DiscoveryModule, TaskStoreModule, WorkerModule],
  controllers: [SchedulesController],
  providers: [SchedulesRepository, SchedulesService, ScheduleDefinitionPipe, CodeScheduleSync],
  // For the schedule runner, one of the periodic jobs in src/maintenance/.
  exports: [SchedulesRepository],
})
export class SchedulesModule {
  /**
   * Declares schedules in code, from any module: `imports: [SchedulesModule.forFeature({ schedules: [...] })]`.
   * Each replica upserts them at start-up (source `code`) and deletes the code schedules it no longer
   * declares. The SchedulesModule itself is imported once, by AppModule.
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
