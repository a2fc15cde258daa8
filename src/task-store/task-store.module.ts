import { Module } from '@nestjs/common';
import { TaskChangeAnnouncer } from './task-change-announcer.js';
import { TaskNotificationsService } from './task-notifications.service.js';
import { TaskRepository } from './task.repository.js';

/** The tasks table and its notifications: the one place that talks SQL to the queue. */
@Module({
  providers: [TaskRepository, TaskChangeAnnouncer, TaskNotificationsService],
  exports: [TaskRepository, TaskNotificationsService],
})
export class TaskStoreModule {}
