import { Module } from '@nestjs/common';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { TaskEventHub } from './task-event-hub.service.js';

/** The live feed of task changes behind `GET /tasks/events`. */
@Module({
  imports: [TaskStoreModule],
  providers: [TaskEventHub],
  exports: [TaskEventHub],
})
export class EventsModule {}
