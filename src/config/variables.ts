import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { variable } from './variable.js';
import type { ValueOf } from './variable.js';
import { boolean, duration, integer, listOf, matching, oneOf, queueLimits } from './value-types.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Every environment variable TaskSystem reads, each declared once: the AppConfig field it fills, what it
 * accepts, its default and what it means. From this come the typed AppConfig, the start-up validation and
 * its error (src/config/app-config.ts), and the README's configuration table (`npm run docs:config`,
 * checked by `npm run lint`). The README lists them in this order.
 */
export const VARIABLES = {
  PORT: variable({ field: 'port', type: integer(0, 65_535), default: '4000', description: 'HTTP port' }),
  DATABASE_URL: variable({
    field: 'databaseUrl',
    type: matching(/^postgres(ql)?:\/\//, 'a URL starting with postgres:// or postgresql://'),
    default: { value: undefined, shown: 'unset' },
    description: 'the PostgreSQL server; unset: the embedded PostgreSQL under `.data/pg` (port 54329, or a free one)',
  }),
  DATABASE_POOL_SIZE: variable({
    field: 'databasePoolSize',
    type: integer(2, 500),
    default: '20',
    description:
      "connections in each replica's pool (plus one for LISTEN); mind the server's `max_connections` across replicas",
  }),
  DATABASE_LISTEN_URL: variable({
    field: 'databaseListenUrl',
    type: matching(/^postgres(ql)?:\/\//, 'a URL starting with postgres:// or postgresql://'),
    default: { value: undefined, shown: '`DATABASE_URL`' },
    description:
      "a direct (or session-mode) connection for what needs a session of its own: each replica's LISTEN connection, and the migrations with their advisory lock. Set it when `DATABASE_URL` is a pooler in transaction mode",
  }),
  DATABASE_PREPARED_STATEMENTS: variable({
    field: 'databasePreparedStatements',
    type: boolean,
    default: 'true',
    description:
      '`false`: the hot statements are sent unnamed, as a pooler in transaction mode needs unless it tracks prepared statements (PgBouncer 1.21+ with `max_prepared_statements` above 0)',
  }),
  DATABASE_IDLE_TIMEOUT: variable({
    field: 'databaseIdleTimeoutMs',
    type: duration,
    default: '5m',
    description: "how long a connection of the pool may stay idle before it is closed (Fly.io's advice); `0s`: never",
  }),
  DATABASE_MAX_LIFETIME: variable({
    field: 'databaseMaxLifetimeMs',
    type: duration,
    default: '10m',
    description:
      "how long a connection of the pool is used before it is replaced, so none outlives a proxy's drain (Fly.io's advice); `0s`: forever",
  }),
  WORKER_ENABLED: variable({
    field: 'workerEnabled',
    type: boolean,
    default: 'true',
    description: '`false`: an API-only replica that runs no tasks',
  }),
  WORKER_CONCURRENCY: variable({
    field: 'workerConcurrency',
    type: integer(1, 1000),
    default: '5',
    description: 'tasks one replica runs at once',
  }),
  WORKER_PREFETCH: variable({
    field: 'workerPrefetch',
    type: integer(0, 1000),
    default: '200',
    description:
      'tasks one replica may hold at once, in its slots and claimed ahead of them (held `queued` until a slot frees); it claims ahead only while its slots are fewer, and no more than it started in the last 250 ms (0: never)',
  }),
  WORKER_QUEUES: variable({
    field: 'workerQueues',
    type: queueLimits,
    default: { value: null, shown: 'all' },
    description: "the queues this replica works; `:n` limits that queue's tasks running at once on this replica",
  }),
  POLL_INTERVAL_MS: variable({
    field: 'pollIntervalMs',
    type: integer(10, HOUR_MS),
    default: '1000',
    description:
      'how often an idle replica looks for due tasks (notifications wake it sooner), takes back expired leases and looks for due schedules',
  }),
  LEASE_MS: variable({
    field: 'leaseMs',
    type: integer(300, DAY_MS),
    default: '30000',
    description: 'how long a claim holds without a heartbeat; heartbeats run every `LEASE_MS`/3',
  }),
  SHUTDOWN_GRACE_MS: variable({
    field: 'shutdownGraceMs',
    type: integer(0, HOUR_MS),
    default: '10000',
    description: 'how long running tasks may finish after `SIGTERM` before they are handed back',
  }),
  CANCEL_GRACE_MS: variable({
    field: 'cancelGraceMs',
    type: integer(0, HOUR_MS),
    default: '5000',
    description: 'how long a stopped (or timed-out) handler may ignore its signal before it is written off',
  }),
  DEFAULT_TASK_TYPE: variable({
    field: 'defaultTaskType',
    type: matching(/^[a-z][a-z0-9_.-]{0,63}$/, 'a task type name: a lowercase letter, then up to 63 of a-z 0-9 _.-'),
    default: 'demo',
    description: 'the type of a shorthand submission',
  }),
  LOG_LEVEL: variable({
    field: 'logLevel',
    type: oneOf(LOG_LEVELS),
    default: 'info',
    description: 'the least severe level logged',
  }),
  LOG_FORMAT: variable({
    field: 'logFormat',
    type: oneOf(['json', 'text']),
    default: {
      text: (textOf) => (textOf('NODE_ENV') === 'production' ? 'json' : 'text'),
      shown: '`json` in production, else `text`',
    },
    description:
      "`json`: one JSON object per line (pino); `text`: Nest's readable lines. One line per request (method, route, status, duration, request id, key id; `/health*` and `/metrics` at `debug`); every line a request causes, its tasks' included, names its `X-Request-Id` (the caller's, or made up) as `reqId`",
  }),
  METRICS_PORT: variable({
    field: 'metricsPort',
    type: integer(1, 65_535),
    default: { value: undefined, shown: 'unset' },
    description:
      "set: a second HTTP port serving only `GET /metrics`, without an API key, for scrapers that send no headers (Fly's `[metrics]`); keep it private. `/metrics` on `PORT` stays, behind the key",
  }),
  PAYLOAD_LIMIT_BYTES: variable({
    field: 'payloadLimitBytes',
    type: integer(1, 16 * 1024 * 1024),
    default: '65536',
    description: 'largest payload (JSON bytes); larger is refused with `413`',
  }),
  RETRY_BASE_MS: variable({
    field: 'retryBaseMs',
    type: integer(1, DAY_MS),
    default: '1000',
    description: 'first retry delay; it doubles per failed attempt, with jitter',
  }),
  RETRY_MAX_MS: variable({
    field: 'retryMaxMs',
    type: integer(1, DAY_MS),
    default: '300000',
    description: 'longest retry delay; not less than `RETRY_BASE_MS`',
  }),
  TASK_RETENTION: variable({
    field: 'taskRetentionMs',
    type: duration,
    default: '7d',
    description:
      'finished tasks older than this are deleted (every minute, in batches of 1,000); `0d` keeps them forever',
  }),
  FAILED_TASK_RETENTION: variable({
    field: 'failedTaskRetentionMs',
    type: duration,
    default: { text: (textOf) => textOf('TASK_RETENTION'), shown: '`TASK_RETENTION`' },
    description:
      'how long failed tasks are kept (the dead-letter list, `GET /tasks?status=failed`); `0d` keeps them forever',
  }),
  IDEMPOTENCY_WINDOW: variable({
    field: 'idempotencyWindowMs',
    type: duration,
    default: '0s',
    description:
      'how long after a task finished its idempotency `key` still returns it; `0s`: only while it is queued or running',
  }),
  COUNTS_MAX_AGE: variable({
    field: 'countsMaxAgeMs',
    type: duration,
    default: '30s',
    description:
      'how old the cached counts of `GET /tasks/counts` and the event stream may get: changes announced by notifications refresh them at once, deletions by retention (which announce nothing) after this',
  }),
  NODE_ENV: variable({
    type: oneOf(['production', 'development', 'test']),
    default: { value: undefined, shown: 'unset' },
    description: '`production` requires `API_KEYS` (or `AUTH_DISABLED=true`)',
  }),
  API_KEYS: variable({
    field: 'apiKeys',
    type: listOf(/^[\x21-\x7e]{16,}$/, 'a comma-separated list of keys of at least 16 printable characters each'),
    default: { value: [] as string[], shown: 'unset' },
    description: 'set: every task route and `/metrics` need `Authorization: Bearer <key>` with one of them, else `401`',
  }),
  AUTH_DISABLED: variable({
    type: boolean,
    default: 'false',
    description: '`true` runs the API open on purpose, even in production and even with `API_KEYS` set',
  }),
  THROTTLE_LIMIT: variable({
    field: 'throttleLimit',
    type: integer(0),
    default: '1000',
    description:
      'requests per `THROTTLE_TTL_MS` window to each route, per valid API key (or per address without one: a made-up key counts as none), per replica; `0` turns it off; `429` beyond',
  }),
  THROTTLE_TTL_MS: variable({
    field: 'throttleTtlMs',
    type: integer(1, DAY_MS),
    default: '1000',
    description: 'the rate-limit window',
  }),
  CORS_ORIGINS: variable({
    field: 'corsOrigins',
    type: listOf(/^https?:\/\/[^,\s]+$/, 'a comma-separated list of origins such as https://app.example.com'),
    default: { value: [] as string[], shown: 'unset' },
    description:
      "origins whose browser pages may call the API (CORS) and, while no API key is set, write to it: other pages' writes get `403`; unset: none but the service's own pages",
  }),
  TRUST_PROXY_HOPS: variable({
    field: 'trustProxyHops',
    type: integer(0, 10),
    default: '0',
    description: 'proxies in front of the app whose `X-Forwarded-For` to trust for the client address (1 on Fly.io)',
  }),
  REPLICA_ID: variable({
    field: 'replicaId',
    type: matching(/^[A-Za-z0-9_.:-]{1,100}$/, '1 to 100 letters, digits or _.:-'),
    // Unique per process start, so that a restarted replica's workerIds never pass for its old ones.
    default: {
      text: () =>
        `${hostname()
          .replace(/[^A-Za-z0-9_.-]/g, '-')
          .slice(0, 80)}-${process.pid}-${randomBytes(2).toString('hex')}`,
      shown: '`<host>-<pid>-<random>`',
    },
    description: 'names this process in `workerId` (`<replica>/<slot>`)',
  }),
  // OpenTelemetry's own variables (docs/observability.md). The service reads these few to decide whether to
  // load an SDK at all and which exporter; the exporter itself reads the rest (OTEL_EXPORTER_OTLP_HEADERS…).
  OTEL_SDK_DISABLED: variable({
    field: 'otelSdkDisabled',
    type: boolean,
    default: 'false',
    description: '`true`: no traces, whatever the other `OTEL_*` variables say',
  }),
  OTEL_TRACES_EXPORTER: variable({
    field: 'tracesExporter',
    type: oneOf(['otlp', 'console', 'none']),
    default: {
      text: (textOf) =>
        textOf('OTEL_EXPORTER_OTLP_ENDPOINT') || textOf('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ? 'otlp' : 'none',
      shown: '`otlp` when an OTLP endpoint is set, else `none`',
    },
    description:
      'where traces go: `otlp` (OTLP over HTTP/protobuf), `console` (stdout, to have a look), `none` (no OpenTelemetry SDK is loaded)',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: variable({
    type: matching(/^https?:\/\/\S+$/, 'an http:// or https:// URL'),
    default: { value: undefined, shown: 'unset' },
    description: 'the OTLP collector, such as http://localhost:4318: traces go to `<endpoint>/v1/traces`',
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: variable({
    type: matching(/^https?:\/\/\S+$/, 'an http:// or https:// URL'),
    default: { value: undefined, shown: 'unset' },
    description: 'the full URL traces are sent to, instead of `OTEL_EXPORTER_OTLP_ENDPOINT`',
  }),
  OTEL_EXPORTER_OTLP_PROTOCOL: variable({
    type: oneOf(['http/protobuf']),
    default: 'http/protobuf',
    description: 'only `http/protobuf`, which OTLP collectors and the usual vendors accept (no gRPC, no JSON)',
  }),
  OTEL_SERVICE_NAME: variable({
    field: 'otelServiceName',
    type: matching(/^\S.{0,254}$/, '1 to 255 characters'),
    default: 'tasksystem',
    description: "the traces' `service.name`; each replica's `service.instance.id` is its `REPLICA_ID`",
  }),
};

export type VariableName = keyof typeof VARIABLES;
export type VariableValues = { [Name in VariableName]: ValueOf<(typeof VARIABLES)[Name]> };

/** What involves several variables, checked once each is valid: a problem, or nothing. */
export const RULES: readonly ((values: VariableValues) => string | undefined)[] = [
  ({ NODE_ENV, API_KEYS, AUTH_DISABLED }) =>
    NODE_ENV === 'production' && API_KEYS.length === 0 && !AUTH_DISABLED
      ? 'API_KEYS must be set when NODE_ENV=production (or set AUTH_DISABLED=true to run open on purpose)'
      : undefined,
  ({ DATABASE_URL, DATABASE_LISTEN_URL }) =>
    DATABASE_LISTEN_URL !== undefined && DATABASE_URL === undefined
      ? 'DATABASE_LISTEN_URL needs DATABASE_URL: without it the embedded PostgreSQL would take the queries, the LISTEN another server'
      : undefined,
  ({ RETRY_BASE_MS, RETRY_MAX_MS }) =>
    RETRY_MAX_MS < RETRY_BASE_MS ? 'RETRY_MAX_MS must not be less than RETRY_BASE_MS' : undefined,
  ({ PORT, METRICS_PORT }) => (METRICS_PORT === PORT ? 'METRICS_PORT must differ from PORT' : undefined),
];
