import { Module } from '@nestjs/common';
import type { DynamicModule, Type } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { DashboardModule } from '../dashboard/dashboard.module.js';
import { MaintenanceModule } from '../maintenance/maintenance.module.js';
import { QueuesHttpModule } from '../queues/queues-http.module.js';
import { QueuesModule } from '../queues/queues.module.js';
import { SchedulesHttpModule } from '../schedules/schedules-http.module.js';
import { SchedulesModule } from '../schedules/schedules.module.js';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { TaskTypesModule } from '../task-types/task-types.module.js';
import { TasksHttpModule } from '../tasks/tasks-http.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { WorkersHttpModule } from '../workers/workers-http.module.js';
import { TASKSYSTEM_OPTIONS, TaskSystemCoreModule } from './task-system-core.module.js';
import { withDefaults } from './task-system.options.js';
import type { TaskSystemAsyncOptions, TaskSystemFeatures, TaskSystemModuleOptions } from './task-system.options.js';

/**
 * TaskSystem inside a Nest application: `TaskSystemModule.forRoot({ dataSource, … })` or
 * `forRootAsync({ imports, inject, useFactory })` in the application's root module. It registers nothing
 * the application owns (no default DataSource, no ScheduleModule, no body parser, helmet or Swagger) and
 * makes the in-process client `TaskSystem` injectable everywhere. The features say what runs in this
 * process: the worker, the REST API under a path, the dashboard, the schedule runner.
 */
@Module({})
export class TaskSystemModule {
  static forRoot(options: TaskSystemModuleOptions): DynamicModule {
    const { worker, http, dashboard, schedules, ...given } = options;
    return assemble({ provide: TASKSYSTEM_OPTIONS, useValue: given }, { worker, http, dashboard, schedules }, []);
  }

  static forRootAsync(options: TaskSystemAsyncOptions): DynamicModule {
    const { imports = [], inject = [], useFactory, ...features } = options;
    return assemble({ provide: TASKSYSTEM_OPTIONS, useFactory, inject }, features, imports);
  }
}

function assemble(
  options: Parameters<typeof TaskSystemCoreModule.register>[0],
  requested: TaskSystemFeatures,
  imports: Parameters<typeof TaskSystemCoreModule.register>[2],
): DynamicModule {
  const features = withDefaults(requested);
  const parts: NonNullable<DynamicModule['imports']> = [
    TaskSystemCoreModule.register(options, features, imports),
    TaskStoreModule,
    TaskTypesModule,
    TasksModule,
    QueuesModule,
    SchedulesModule,
    MaintenanceModule.register({ scheduleRunner: features.schedules }),
  ];
  // Loaded only when this process runs tasks: an API-only process has no worker code in memory.
  if (features.worker)
    parts.push(import('../worker/worker.module.js').then(({ WorkerModule }) => ({ module: WorkerModule })));
  if (features.http) {
    const routes: Type[] = [TasksHttpModule, QueuesHttpModule, SchedulesHttpModule, WorkersHttpModule];
    const path = features.http.path ?? '';
    parts.push(...routes, RouterModule.register(routes.map((module) => ({ path, module }))));
    if (features.dashboard) parts.push(DashboardModule);
  }
  return { module: TaskSystemModule, global: true, imports: parts, exports: [TasksModule] };
}
