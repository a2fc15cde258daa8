import { Module } from '@nestjs/common';
import { SchedulesModule } from '../schedules/schedules.module.js';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { LeaseRecoveryService } from './lease-recovery.service.js';
import { PERIODIC_JOBS } from './periodic-job.js';
import type { PeriodicJob } from './periodic-job.js';
import { PeriodicJobRunner } from './periodic-job-runner.js';
import { ScheduleRunner } from './schedule-runner.service.js';
import { TaskRetentionService } from './task-retention.service.js';

/** The periodic jobs every replica runs in the background, and the runner that times them. A new job goes in JOBS. */
const JOBS = [LeaseRecoveryService, TaskRetentionService, ScheduleRunner];

@Module({
  imports: [TaskStoreModule, SchedulesModule],
  providers: [
    ...JOBS,
    { provide: PERIODIC_JOBS, useFactory: (...jobs: PeriodicJob[]) => jobs, inject: JOBS },
    PeriodicJobRunner,
  ],
})
export class MaintenanceModule {}
