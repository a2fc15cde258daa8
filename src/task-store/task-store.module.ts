import { Module } from '@nestjs/common';
import { TaskChangeAnnouncer } from './task-change-announcer.js';
import { TaskNotificationsService } from './task-notifications.service.js';
import { TaskRepository } from './task.repository.js';
import { TaskRetentionService } from '../maintenance/task-retention.service.js';

/** The tasks table and its notifications: the one place that talks SQL to the queue. */
@Module({
  providers: [TaskRepository, TaskChangeAnnouncer, TaskNotificationsService, TaskRetentionService],
  exports: [TaskRepository, TaskNotificationsService, TaskRetentionService],
})
export class TaskStoreModule {}
