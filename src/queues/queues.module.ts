import { Module } from '@nestjs/common';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { QueueSettingsModule } from './queue-settings.module.js';
import { QueuesController } from './queues.controller.js';
import { QueuesService } from './queues.service.js';

/** The HTTP face of named queues: list, pause, resume, limit. */
@Module({
  imports: [TaskStoreModule, QueueSettingsModule],
  controllers: [QueuesController],
  providers: [QueuesService],
})
export class QueuesModule {}
