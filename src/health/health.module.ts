import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule, TaskStoreModule],
  controllers: [HealthController],
})
export class HealthModule {}
