import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module.js';
import { TaskEventHub } from './task-event-hub.service.js';

/** The live feed of task changes behind `GET /tasks/events`. */
@Module({
  imports: [QueueModule],
  providers: [TaskEventHub],
  exports: [TaskEventHub],
})
export class EventsModule {}
