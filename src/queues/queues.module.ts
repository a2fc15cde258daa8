import { Module } from '@nestjs/common';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { QueueSettingsModule } from './queue-settings.module.js';
import { QueuesService } from './queues.service.js';

/** Named queues as operators see them: list, pause, resume, limit. */
@Module({
  imports: [TaskStoreModule, QueueSettingsModule],
  providers: [QueuesService],
  exports: [QueuesService],
})
export class QueuesModule {}
