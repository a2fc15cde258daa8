import { Module } from '@nestjs/common';
import type { DynamicModule, Type } from '@nestjs/common';
import { SchedulesModule } from '../schedules/schedules.module.js';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { WorkersModule } from '../workers/workers.module.js';
import { GoneWorkersRetention } from './gone-workers-retention.service.js';
import { LeaseRecoveryService } from './lease-recovery.service.js';
import { PERIODIC_JOBS } from './periodic-job.js';
import type { PeriodicJob } from './periodic-job.js';
import { PeriodicJobRunner } from './periodic-job-runner.js';
import { ScheduleRunner } from './schedule-runner.service.js';
import { TaskRetentionService } from './task-retention.service.js';

/**
 * The periodic jobs a replica runs in the background (lease recovery, task retention, forgetting replicas
 * long gone, the schedule runner), and the runner that times them. A new job goes in
 * the list below. Lease recovery runs where the worker does (its `enabled`); the schedule runner where
 * TaskSystemModule's `schedules` feature is on.
 */
@Module({})
export class MaintenanceModule {
  static register({ scheduleRunner }: { scheduleRunner: boolean }): DynamicModule {
    const jobs: Type<PeriodicJob>[] = [LeaseRecoveryService, TaskRetentionService, GoneWorkersRetention];
    if (scheduleRunner) jobs.push(ScheduleRunner);
    return {
      module: MaintenanceModule,
      imports: [TaskStoreModule, SchedulesModule, WorkersModule],
      providers: [
        ...jobs,
        { provide: PERIODIC_JOBS, useFactory: (...all: PeriodicJob[]) => all, inject: jobs },
        PeriodicJobRunner,
      ],
      exports: jobs,
    };
  }
}
