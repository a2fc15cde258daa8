import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';

/** The service's operational routes: health checks for the platform, /metrics for Prometheus. */
@Module({
  imports: [TerminusModule, TaskStoreModule],
  controllers: [HealthController, MetricsController],
})
export class HealthModule {}
