import { Global, Module } from '@nestjs/common';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { WorkerModule } from '../worker/worker.module.js';
import { MetricsController } from './metrics.controller.js';
import { TaskMetrics } from './task-metrics.js';

/** GET /metrics, and the TaskMetrics that the queue, the worker and the API record into. */
@Global()
@Module({
  imports: [TaskStoreModule, WorkerModule],
  controllers: [MetricsController],
  providers: [TaskMetrics],
  exports: [TaskMetrics],
})
export class MetricsModule {}
