import { Global, Module } from '@nestjs/common';
import type { DynamicModule, ModuleMetadata, OnApplicationShutdown, Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CrossSiteWriteGuard } from '../auth/cross-site-write.guard.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from '../database/data-source-options.js';
import { Database, TASKSYSTEM_DATA_SOURCE } from '../database/database.js';
import { migrateDatabase } from '../database/migrate.js';
import { TaskMetrics } from '../metrics/task-metrics.js';
import { configOf } from './task-system.options.js';
import type { TaskSystemFeatures, TaskSystemOptions } from './task-system.options.js';

/** The token of the options given to forRoot, or made by forRootAsync's factory. */
export const TASKSYSTEM_OPTIONS = 'TASKSYSTEM_OPTIONS';

/** TaskSystem's database: the application's DataSource, or a pool of our own that we close at shutdown. */
class TaskSystemConnection implements OnApplicationShutdown {
  private constructor(
    readonly dataSource: DataSource,
    private readonly owned: boolean,
  ) {}

  /** Connects (or takes the application's DataSource) and applies pending migrations unless told not to. */
  static async open(options: TaskSystemOptions, config: AppConfig): Promise<TaskSystemConnection> {
    const given = options.dataSource;
    if (given && !given.isInitialized) {
      throw new TypeError('TaskSystemModule: the DataSource given must be initialised (TypeOrmModule does that)');
    }
    // On the direct URL when there is one: the migration lock is a session's, which a pooler would leak.
    if (options.runMigrations ?? true) await migrateDatabase(config.databaseListenUrl ?? given ?? config.databaseUrl!);
    if (given) return new TaskSystemConnection(given, false);
    const own = new DataSource(
      dataSourceOptions(config.databaseUrl!, {
        size: config.databasePoolSize,
        idleTimeoutMs: config.databaseIdleTimeoutMs,
        maxLifetimeMs: config.databaseMaxLifetimeMs,
      }),
    );
    return new TaskSystemConnection(await own.initialize(), true);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.owned && this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * What every part of TaskSystem needs, visible to all of them (and only under TaskSystem's own tokens,
 * so nothing of the application's is shadowed): the options, the configuration, the database, the
 * metrics and the guards of the REST controllers (API keys, cross-site writes).
 */
@Global()
@Module({})
export class TaskSystemCoreModule {
  static register(
    options: Provider,
    features: Required<TaskSystemFeatures>,
    imports: NonNullable<ModuleMetadata['imports']>,
  ): DynamicModule {
    return {
      module: TaskSystemCoreModule,
      imports,
      providers: [
        options,
        {
          provide: APP_CONFIG,
          useFactory: (given: TaskSystemOptions) => configOf(given, features),
          inject: [TASKSYSTEM_OPTIONS],
        },
        {
          provide: TaskSystemConnection,
          useFactory: (given: TaskSystemOptions, config: AppConfig) => TaskSystemConnection.open(given, config),
          inject: [TASKSYSTEM_OPTIONS, APP_CONFIG],
        },
        {
          provide: TASKSYSTEM_DATA_SOURCE,
          useFactory: (connection: TaskSystemConnection) => connection.dataSource,
          inject: [TaskSystemConnection],
        },
        Database,
        TaskMetrics,
        ApiKeyGuard,
        CrossSiteWriteGuard,
      ],
      exports: [
        TASKSYSTEM_OPTIONS,
        APP_CONFIG,
        TASKSYSTEM_DATA_SOURCE,
        Database,
        TaskMetrics,
        ApiKeyGuard,
        CrossSiteWriteGuard,
      ],
    };
  }
}
