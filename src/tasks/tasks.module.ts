import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { WorkerModule } from '../worker/worker.module.js';
import { TaskManagerService } from './task-manager.service.js';
import { TasksController } from './tasks.controller.js';

/** The HTTP face of tasks. */
@Module({
  imports: [TaskStoreModule, WorkerModule, EventsModule],
  controllers: [TasksController],
  providers: [TaskManagerService],
})
export class TasksModule {}
