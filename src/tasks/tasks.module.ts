import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { QueueModule } from '../queue/queue.module.js';
import { WorkerModule } from '../worker/worker.module.js';
import { TaskManagerService } from './task-manager.service.js';
import { TasksController } from './tasks.controller.js';

/** The HTTP face of tasks. */
@Module({
  imports: [QueueModule, WorkerModule, EventsModule],
  controllers: [TasksController],
  providers: [TaskManagerService],
})
export class TasksModule {}
