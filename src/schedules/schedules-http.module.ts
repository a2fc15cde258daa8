import { Module } from '@nestjs/common';
import { ScheduleDefinitionPipe } from './schedule-pipes.js';
import { SchedulesController } from './schedules.controller.js';
import { SchedulesModule } from './schedules.module.js';

/** The /schedules routes. */
@Module({
  imports: [SchedulesModule],
  controllers: [SchedulesController],
  providers: [ScheduleDefinitionPipe],
})
export class SchedulesHttpModule {}
