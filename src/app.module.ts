import { Module } from '@nestjs/common';
import type { DynamicModule, Type } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from './auth/auth.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { HandlersModule } from './handlers/handlers.module.js';
import { HealthModule } from './health/health.module.js';
import { MaintenanceModule } from './maintenance/maintenance.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { QueuesModule } from './queues/queues.module.js';
import { SchedulesModule } from './schedules/schedules.module.js';
import { TasksModule } from './tasks/tasks.module.js';

/** Wires the modules. Built from an already-validated config, so tests can run several apps in one process. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, extraModules: (Type | DynamicModule)[] = []): DynamicModule {
    if (!config.databaseUrl) throw new Error('AppModule needs a database URL (main.ts starts the embedded one)');
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        AuthModule,
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.databaseUrl, config.databasePoolSize),
          retryAttempts: 3,
          retryDelay: 1000,
        }),
        ScheduleModule.forRoot(),
        HandlersModule,
        TasksModule,
        QueuesModule,
        HealthModule,
        MetricsModule,
        DashboardModule,
        SchedulesModule,
        MaintenanceModule,
        ...extraModules,
      ],
    };
  }
}
