import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module.js';
import { QueuesController } from './queues.controller.js';
import { QueuesService } from './queues.service.js';

/** The HTTP face of named queues: list, pause, resume, limit. */
@Module({
  imports: [QueueModule],
  controllers: [QueuesController],
  providers: [QueuesService],
})
export class QueuesModule {}
