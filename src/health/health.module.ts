import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsListener } from './metrics-listener.js';
import { MetricsScrape } from './metrics-scrape.js';

/**
 * The service's operational routes: health checks for the platform, /metrics for Prometheus (and, with
 * METRICS_PORT, on a listener of its own).
 */
@Module({
  imports: [TerminusModule, TaskStoreModule],
  controllers: [HealthController, MetricsController],
  providers: [MetricsScrape, MetricsListener],
})
export class HealthModule {}
