import { Module } from '@nestjs/common';
import { TaskChangeAnnouncer } from './task-change-announcer.js';
import { TaskNotificationsService } from './task-notifications.service.js';
import { TaskQueueRepository } from './task-queue.repository.js';
import { TaskRetentionService } from './task-retention.service.js';

/** The tasks table and its notifications: the one place that talks SQL to the queue. */
@Module({
  providers: [TaskQueueRepository, TaskChangeAnnouncer, TaskNotificationsService, TaskRetentionService],
  exports: [TaskQueueRepository, TaskNotificationsService, TaskRetentionService],
})
export class QueueModule {}
