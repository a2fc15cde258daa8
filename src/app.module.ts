import { Module } from '@nestjs/common';
import type { DynamicModule, Type } from '@nestjs/common';
import type { AppConfig } from './config/app-config.js';
import { HandlersModule } from './handlers/handlers.module.js';
import { HealthModule } from './health/health.module.js';
import { TaskSystemModule } from './module/task-system.module.js';

/**
 * The deployable service: TaskSystemModule, as any application embeds it, with everything on (the REST
 * API at the root, the dashboard, the worker unless WORKER_ENABLED=false, the schedule runner), the task
 * types we ship, health checks and /metrics. Built from an already-validated config, so tests can run
 * several replicas in one process.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, extraModules: (Type | DynamicModule)[] = []): DynamicModule {
    if (!config.databaseUrl) throw new Error('AppModule needs a database URL (main.ts starts the embedded one)');
    return {
      module: AppModule,
      imports: [
        TaskSystemModule.forRoot({
          databaseUrl: config.databaseUrl,
          databaseListenUrl: config.databaseListenUrl,
          settings: config,
          worker: config.workerEnabled,
          http: { path: '' },
          dashboard: true,
          schedules: true,
        }),
        HandlersModule,
        HealthModule,
        ...extraModules,
      ],
    };
  }
}
