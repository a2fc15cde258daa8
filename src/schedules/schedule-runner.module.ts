import { Module } from '@nestjs/common';
import { ScheduleRunner } from './schedule-runner.service.js';
import { SchedulesModule } from './schedules.module.js';

/** Fires due schedules: every replica that has it takes its turn, one occurrence submitted once. */
@Module({ imports: [SchedulesModule], providers: [ScheduleRunner] })
export class ScheduleRunnerModule {}
