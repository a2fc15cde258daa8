import { Module } from '@nestjs/common';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { MetricsController } from './metrics.controller.js';

/** GET /metrics: the TaskMetrics that the store, the worker and the API record into, for Prometheus. */
@Module({ imports: [TaskStoreModule], controllers: [MetricsController] })
export class MetricsModule {}
