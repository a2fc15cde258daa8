import { Module } from '@nestjs/common';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { TaskRetentionService } from './task-retention.service.js';

/** Deletes finished tasks past their retention, on every replica (TASK_RETENTION, FAILED_TASK_RETENTION). */
@Module({ imports: [TaskStoreModule], providers: [TaskRetentionService], exports: [TaskRetentionService] })
export class RetentionModule {}
