import { Module } from '@nestjs/common';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { TaskTypesModule } from '../task-types/task-types.module.js';
import { TaskManagerService } from './task-manager.service.js';
import { TaskSystem } from './task-system.js';

/** What can be done with tasks, and the in-process client `TaskSystem` over it. */
@Module({
  imports: [TaskStoreModule, TaskTypesModule],
  providers: [TaskManagerService, TaskSystem],
  exports: [TaskManagerService, TaskSystem],
})
export class TasksModule {}
