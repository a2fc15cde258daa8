import type { InjectionToken, ModuleMetadata } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';

/** What TaskSystem runs on, and how; given to forRoot, or made by forRootAsync's factory. */
export interface TaskSystemOptions {
  /**
   * The application's TypeORM DataSource, on PostgreSQL: TaskSystem runs its statements on its pool, and
   * a submit can join a transaction of the application's. Initialised by the application.
   */
  dataSource?: DataSource;
  /**
   * Or a pool of TaskSystem's own on this database (`settings.databasePoolSize` connections, recycled after
   * `settings.databaseIdleTimeoutMs` idle and `settings.databaseMaxLifetimeMs`), closed at shutdown.
   */
  databaseUrl?: string;
  /**
   * A direct (or session-mode) URL of the same database, for what needs a session of its own: the LISTEN
   * connection and the migrations' advisory lock. Needed when the pool (the DataSource's or `databaseUrl`)
   * goes through a pooler in transaction mode, with `settings.databasePreparedStatements: false` unless
   * the pooler tracks prepared statements. Default: the pool's own database settings.
   */
  databaseListenUrl?: string;
  /**
   * Apply TaskSystem's pending migrations at start-up, replicas taking turns under an advisory lock
   * (default true). Off: add `TASKSYSTEM_MIGRATIONS` to your own DataSource's migrations and run them yourself.
   */
  runMigrations?: boolean;
  /**
   * Tuning, as the service's environment variables set it: workerConcurrency, workerQueues, leaseMs,
   * pollIntervalMs, retryBaseMs, taskRetentionMs, payloadLimitBytes, apiKeys, … The rest keep their defaults.
   */
  settings?: Partial<Omit<AppConfig, 'databaseUrl' | 'databaseListenUrl' | 'workerEnabled'>>;
}

/** What runs in this process. Decided when the module is built, so given beside forRootAsync's factory. */
export interface TaskSystemFeatures {
  /** Claim and run tasks of the types this process declares with @TaskHandler (default true). */
  worker?: boolean;
  /** The REST API (tasks, queues, schedules, the event stream) under `path` (default off). */
  http?: false | { path?: string };
  /** The dashboard at /dashboard, over the REST API: needs `http` at the root path (default false). */
  dashboard?: boolean;
  /** Fire due schedules and store the schedules declared in code (default true). */
  schedules?: boolean;
}

export type TaskSystemModuleOptions = TaskSystemOptions & TaskSystemFeatures;

export interface TaskSystemAsyncOptions extends TaskSystemFeatures {
  /** Modules whose providers the factory injects (e.g. the application's TypeORM or config module). */
  imports?: NonNullable<ModuleMetadata['imports']>;
  inject?: InjectionToken[];
  useFactory: (...dependencies: never[]) => TaskSystemOptions | Promise<TaskSystemOptions>;
}

/** The features with their defaults filled in. */
export function withDefaults(features: TaskSystemFeatures): Required<TaskSystemFeatures> {
  const resolved = {
    worker: features.worker ?? true,
    http: features.http ?? false,
    dashboard: features.dashboard ?? false,
    schedules: features.schedules ?? true,
  };
  if (resolved.dashboard && (resolved.http === false || (resolved.http.path ?? '') !== '')) {
    throw new TypeError('TaskSystemModule: the dashboard needs `http: { path: "" }` (the REST API at the root)');
  }
  return resolved;
}

/** The configuration every part of TaskSystem reads: the defaults, then the settings given. */
export function configOf(options: TaskSystemOptions, features: Required<TaskSystemFeatures>): AppConfig {
  if (!options.dataSource && !options.databaseUrl) {
    throw new TypeError('TaskSystemModule needs a `dataSource` (the application’s) or a `databaseUrl`');
  }
  return {
    ...loadConfig({}),
    ...options.settings,
    databaseUrl: options.databaseUrl,
    databaseListenUrl: options.databaseListenUrl,
    workerEnabled: features.worker,
  };
}
