import 'reflect-metadata'; // class-transformer's @Type reads design metadata, even outside Nest (the migration runner)
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { plainToInstance, Transform, Type } from 'class-transformer';
import { parseDuration } from './duration.js';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `name` or `name:n`, comma-separated; names as a task's `queue` field allows. */
const WORKER_QUEUES_FORMAT =
  /^\s*[a-z0-9][a-z0-9._-]{0,62}(:[1-9][0-9]{0,3})?\s*(,\s*[a-z0-9][a-z0-9._-]{0,62}(:[1-9][0-9]{0,3})?\s*)*$/;

/** The typed configuration every module receives. Built once from the environment by `loadConfig`. */
export interface AppConfig {
  port: number;
  /** Unset: main.ts starts the embedded PostgreSQL and fills this in before the app is created. */
  databaseUrl: string | undefined;
  workerEnabled: boolean;
  /** Connections in this replica's pool (the LISTEN connection is one more). */
  databasePoolSize: number;
  workerConcurrency: number;
  /**
   * The queues this replica works, each with its own limit of tasks running here at once (null: only
   * WORKER_CONCURRENCY). Null: every queue, with no limit of its own.
   */
  workerQueues: Map<string, number | null> | null;
  pollIntervalMs: number;
  leaseMs: number;
  shutdownGraceMs: number;
  cancelGraceMs: number;
  defaultTaskType: string;
  logLevel: LogLevel;
  /** `json`: one JSON object per line (production's default); `text`: Nest's readable lines. */
  logFormat: 'json' | 'text';
  /** Largest accepted payload, as UTF-8 JSON bytes. Larger ones are refused with 413. */
  payloadLimitBytes: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Names this process in `workerId` (`<replicaId>/<slot>`). Unique per process start. */
  replicaId: string;
  /** Finished tasks older than this are deleted; 0 keeps them forever. */
  taskRetentionMs: number;
  /** How long failed tasks are kept (the dead-letter list); default TASK_RETENTION. 0: forever. */
  failedTaskRetentionMs: number;
  /** How long after its task finished an idempotency key still returns that task; 0: only while it is live. */
  idempotencyWindowMs: number;
  /** Bearer keys accepted on the task routes; empty: the API is open (refused in production). */
  apiKeys: string[];
  /** Requests allowed per `throttleTtlMs` window per API key (or address, without one); 0: no limit. */
  throttleLimit: number;
  throttleTtlMs: number;
  /** Origins allowed to call the API from a browser; empty: no cross-origin access. */
  corsOrigins: string[];
  /** Proxies in front of the app (Fly's proxy, a load balancer) whose X-Forwarded-For names the client. */
  trustProxyHops: number;
}

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/**
 * The environment as it arrives, one property per variable. Validation names the variable itself,
 * so a bad value is reported as e.g. "WORKER_CONCURRENCY must not be less than 1".
 */
class EnvironmentVariables {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must start with postgres:// or postgresql://' })
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'WORKER_ENABLED must be true or false' })
  WORKER_ENABLED?: boolean;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  WORKER_CONCURRENCY?: number;

  @IsOptional()
  @Matches(WORKER_QUEUES_FORMAT, {
    message:
      'WORKER_QUEUES must be a comma-separated list of queue names, each optionally with :n, its limit on this replica (e.g. default,reports:2)',
  })
  WORKER_QUEUES?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(500)
  DATABASE_POOL_SIZE?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  POLL_INTERVAL_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(300)
  @Max(86_400_000)
  LEASE_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SHUTDOWN_GRACE_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  CANCEL_GRACE_MS?: number;

  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_.-]{0,63}$/, { message: 'DEFAULT_TASK_TYPE must be a task type name' })
  DEFAULT_TASK_TYPE?: string;

  @IsOptional()
  @IsIn(LOG_LEVELS)
  LOG_LEVEL?: LogLevel;

  @IsOptional()
  @IsIn(['json', 'text'])
  LOG_FORMAT?: 'json' | 'text';

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(16 * 1024 * 1024)
  PAYLOAD_LIMIT_BYTES?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400_000)
  RETRY_BASE_MS?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400_000)
  RETRY_MAX_MS?: number;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,100}$/, { message: 'REPLICA_ID must be 1-100 letters, digits or _.:-' })
  REPLICA_ID?: string;

  @IsOptional()
  @IsIn(['production', 'development', 'test'])
  NODE_ENV?: string;

  @IsOptional()
  @Matches(/^\s*[\x21-\x7e]{16,}\s*(,\s*[\x21-\x7e]{16,}\s*)*$/, {
    message: 'API_KEYS must be a comma-separated list of keys of at least 16 printable characters each',
  })
  API_KEYS?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'AUTH_DISABLED must be true or false' })
  AUTH_DISABLED?: boolean;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  THROTTLE_LIMIT?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400_000)
  THROTTLE_TTL_MS?: number;

  @IsOptional()
  @Matches(/^https?:\/\/[^,\s]+(\s*,\s*https?:\/\/[^,\s]+)*$/, {
    message: 'CORS_ORIGINS must be a comma-separated list of origins such as https://app.example.com',
  })
  CORS_ORIGINS?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10)
  TRUST_PROXY_HOPS?: number;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (parseDuration(value) ?? value) : value))
  @IsInt({ message: 'TASK_RETENTION must be a duration such as 7d, 12h, 30m or 0d (keep forever)' })
  TASK_RETENTION?: number;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (parseDuration(value) ?? value) : value))
  @IsInt({ message: 'IDEMPOTENCY_WINDOW must be a duration such as 24h, 30m or 0s (only while the task is live)' })
  IDEMPOTENCY_WINDOW?: number;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (parseDuration(value) ?? value) : value))
  @IsInt({ message: 'FAILED_TASK_RETENTION must be a duration such as 30d, 12h or 0d (keep forever)' })
  FAILED_TASK_RETENTION?: number;
}

export class ConfigError extends Error {}

function parseWorkerQueues(value: string): Map<string, number | null> {
  return new Map(
    splitList(value).map((entry) => {
      const [name, limit] = entry.split(':');
      return [name, limit === undefined ? null : Number(limit)];
    }),
  );
}

const splitList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** Reads and validates the environment once. Throws a ConfigError naming every bad variable. */
export function loadConfig(environment: Record<string, string | undefined>): AppConfig {
  const present = Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''),
  );
  const env = plainToInstance(EnvironmentVariables, present);
  const problems = validateSync(env).flatMap((error) => Object.values(error.constraints ?? {}));
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);

  const config: AppConfig = {
    port: env.PORT ?? 4000,
    databaseUrl: env.DATABASE_URL,
    workerEnabled: env.WORKER_ENABLED ?? true,
    workerConcurrency: env.WORKER_CONCURRENCY ?? 5,
    workerQueues: env.WORKER_QUEUES === undefined ? null : parseWorkerQueues(env.WORKER_QUEUES),
    databasePoolSize: env.DATABASE_POOL_SIZE ?? 20,
    pollIntervalMs: env.POLL_INTERVAL_MS ?? 1000,
    leaseMs: env.LEASE_MS ?? 30_000,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS ?? 10_000,
    cancelGraceMs: env.CANCEL_GRACE_MS ?? 5000,
    defaultTaskType: env.DEFAULT_TASK_TYPE ?? 'demo',
    logLevel: env.LOG_LEVEL ?? 'info',
    logFormat: env.LOG_FORMAT ?? (env.NODE_ENV === 'production' ? 'json' : 'text'),
    payloadLimitBytes: env.PAYLOAD_LIMIT_BYTES ?? 64 * 1024,
    retryBaseMs: env.RETRY_BASE_MS ?? 1000,
    retryMaxMs: env.RETRY_MAX_MS ?? 300_000,
    replicaId: env.REPLICA_ID ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`,
    taskRetentionMs: env.TASK_RETENTION ?? 7 * 86_400_000,
    idempotencyWindowMs: env.IDEMPOTENCY_WINDOW ?? 0,
    failedTaskRetentionMs: env.FAILED_TASK_RETENTION ?? env.TASK_RETENTION ?? 7 * 86_400_000,
    // AUTH_DISABLED wins over API_KEYS, so a deployment can be opened without deleting its secrets.
    apiKeys: env.AUTH_DISABLED === true ? [] : splitList(env.API_KEYS),
    throttleLimit: env.THROTTLE_LIMIT ?? 1000,
    throttleTtlMs: env.THROTTLE_TTL_MS ?? 1000,
    corsOrigins: splitList(env.CORS_ORIGINS),
    trustProxyHops: env.TRUST_PROXY_HOPS ?? 0,
  };
  if (env.NODE_ENV === 'production' && config.apiKeys.length === 0 && env.AUTH_DISABLED !== true) {
    throw new ConfigError(
      'Invalid configuration: API_KEYS must be set when NODE_ENV=production (or set AUTH_DISABLED=true to run open on purpose)',
    );
  }
  if (config.retryMaxMs < config.retryBaseMs) {
    throw new ConfigError('Invalid configuration: RETRY_MAX_MS must not be less than RETRY_BASE_MS');
  }
  return config;
}

/**
 * Only DATABASE_URL, for the migration runner: a release step must not need the app's secrets (such as
 * API_KEYS in production) to migrate.
 */
export function loadDatabaseUrl(environment: Record<string, string | undefined>): string | undefined {
  const { DATABASE_URL } = environment;
  const env = plainToInstance(EnvironmentVariables, DATABASE_URL ? { DATABASE_URL } : {});
  const problems = validateSync(env).flatMap((error) => Object.values(error.constraints ?? {}));
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return env.DATABASE_URL;
}

/** Injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('AppConfig');
