import { ConfigError, loadConfig, loadMigrationDatabaseUrl } from './app-config.js';

describe('loadConfig', () => {
  it('gives the contract defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      workerEnabled: true,
      workerConcurrency: 5,
      pollIntervalMs: 1000,
      leaseMs: 30_000,
      shutdownGraceMs: 10_000,
      cancelGraceMs: 5000,
      defaultTaskType: 'demo',
      logLevel: 'info',
      payloadLimitBytes: 65_536,
      taskRetentionMs: 7 * 86_400_000,
      workerQueues: null,
      idempotencyWindowMs: 0,
    });
    expect(config.replicaId).toMatch(/^[A-Za-z0-9_.:-]+$/);
  });

  it('reads every variable it is given', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/tasks',
      WORKER_ENABLED: 'false',
      WORKER_CONCURRENCY: '12',
      LEASE_MS: '9000',
      LOG_LEVEL: 'debug',
      REPLICA_ID: 'web-1',
      TASK_RETENTION: '12h',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u@db:5432/tasks',
      workerEnabled: false,
      workerConcurrency: 12,
      leaseMs: 9000,
      logLevel: 'debug',
      replicaId: 'web-1',
      taskRetentionMs: 43_200_000,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 4000, databaseUrl: undefined });
  });

  it('names every bad variable in one error, saying what each accepts', () => {
    const attempt = () =>
      loadConfig({
        PORT: 'eighty',
        WORKER_CONCURRENCY: '0',
        WORKER_ENABLED: 'yes',
        DATABASE_URL: 'mysql://x',
        LOG_LEVEL: 'loud',
        TASK_RETENTION: 'a week',
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      'Invalid configuration: PORT must be an integer from 0 to 65,535; ' +
        'DATABASE_URL must be a URL starting with postgres:// or postgresql://; ' +
        'WORKER_ENABLED must be true or false; ' +
        'WORKER_CONCURRENCY must be an integer from 1 to 1,000; ' +
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, verbose; ' +
        'TASK_RETENTION must be a duration such as 7d, 12h, 30m, 45s or 500ms',
    );
  });

  it('reads integers as written, and only digits', () => {
    expect(loadConfig({ PORT: ' 8080 ' }).port).toBe(8080);
    for (const text of ['1e3', '0x10', '80.5', '80 80']) {
      expect(() => loadConfig({ PORT: text })).toThrow(/PORT must be an integer/);
    }
  });

  it('blames a bad variable, not the unset one whose default follows it', () => {
    expect(() => loadConfig({ TASK_RETENTION: 'a week' })).toThrow(
      /^Invalid configuration: TASK_RETENTION must be a duration such as 7d, 12h, 30m, 45s or 500ms$/,
    );
  });

  it('derives the defaults that follow other variables', () => {
    expect(loadConfig({ TASK_RETENTION: '3d' }).failedTaskRetentionMs).toBe(3 * 86_400_000);
    expect(loadConfig({ TASK_RETENTION: '3d', FAILED_TASK_RETENTION: '30d' }).failedTaskRetentionMs).toBe(
      30 * 86_400_000,
    );
    expect(loadConfig({}).logFormat).toBe('text');
    expect(loadConfig({ NODE_ENV: 'production', AUTH_DISABLED: 'true' }).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'production', AUTH_DISABLED: 'true', LOG_FORMAT: 'text' }).logFormat).toBe('text');
    expect(loadConfig({}).replicaId).not.toBe(loadConfig({}).replicaId);
  });

  it('requires API_KEYS in production, unless AUTH_DISABLED=true says to run open', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/API_KEYS must be set when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_DISABLED: 'true', API_KEYS: 'k'.repeat(16) }).apiKeys).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'production', API_KEYS: ` ${'a'.repeat(16)} ,${'b'.repeat(20)}` }).apiKeys).toEqual([
      'a'.repeat(16),
      'b'.repeat(20),
    ]);
  });

  it('names bad auth, throttle and CORS settings', () => {
    expect(() => loadConfig({ API_KEYS: 'short' })).toThrow(
      /API_KEYS must be a comma-separated list of keys of at least 16/,
    );
    expect(() => loadConfig({ API_KEYS: ' , ' })).toThrow(/API_KEYS must be/);
    expect(() => loadConfig({ THROTTLE_LIMIT: '-1' })).toThrow(/THROTTLE_LIMIT must be an integer of at least 0/);
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS must be a comma-separated list of origins/);
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, http://b.example:8080' }).corsOrigins).toEqual([
      'https://a.example',
      'http://b.example:8080',
    ]);
    expect(() => loadConfig({ NODE_ENV: 'staging' })).toThrow(/NODE_ENV must be one of production, development, test/);
  });

  it('reads only the database URLs for the migration runner, the direct one first, whatever else is missing', () => {
    expect(loadMigrationDatabaseUrl({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x' })).toBe(
      'postgres://db/x',
    );
    expect(
      loadMigrationDatabaseUrl({ DATABASE_URL: 'postgres://pooler/x', DATABASE_LISTEN_URL: 'postgres://direct/x' }),
    ).toBe('postgres://direct/x');
    expect(loadMigrationDatabaseUrl({})).toBeUndefined();
    expect(() => loadMigrationDatabaseUrl({ DATABASE_URL: 'mysql://db' })).toThrow(
      /DATABASE_URL must be a URL starting with postgres/,
    );
  });

  it('reads the settings for a pooler: the direct URL, prepared statements, idle timeout and lifetime', () => {
    expect(loadConfig({})).toMatchObject({
      databaseListenUrl: undefined,
      databasePreparedStatements: true,
      databaseIdleTimeoutMs: 300_000,
      databaseMaxLifetimeMs: 600_000,
    });
    const pooled = loadConfig({
      DATABASE_URL: 'postgres://u@pooler:6432/tasks',
      DATABASE_LISTEN_URL: 'postgresql://u@direct:5432/tasks',
      DATABASE_PREPARED_STATEMENTS: 'false',
      DATABASE_IDLE_TIMEOUT: '30s',
      DATABASE_MAX_LIFETIME: '0s',
    });
    expect(pooled).toMatchObject({
      databaseListenUrl: 'postgresql://u@direct:5432/tasks',
      databasePreparedStatements: false,
      databaseIdleTimeoutMs: 30_000,
      databaseMaxLifetimeMs: 0,
    });
    expect(() =>
      loadConfig({
        DATABASE_LISTEN_URL: 'direct:5432',
        DATABASE_PREPARED_STATEMENTS: 'auto',
        DATABASE_MAX_LIFETIME: '10',
      }),
    ).toThrow(
      /DATABASE_LISTEN_URL must be a URL starting with postgres.*DATABASE_PREPARED_STATEMENTS must be true or false.*DATABASE_MAX_LIFETIME must be a duration/,
    );
    expect(() => loadConfig({ DATABASE_LISTEN_URL: 'postgres://direct/x' })).toThrow(
      /DATABASE_LISTEN_URL needs DATABASE_URL/,
    );
  });

  it('refuses a retry cap below the retry base', () => {
    expect(() => loadConfig({ RETRY_BASE_MS: '5000', RETRY_MAX_MS: '100' })).toThrow(
      /RETRY_MAX_MS must not be less than RETRY_BASE_MS/,
    );
  });

  it('reads METRICS_PORT (off by default) and COUNTS_MAX_AGE, and refuses metrics on the API port', () => {
    expect(loadConfig({})).toMatchObject({ metricsPort: undefined, countsMaxAgeMs: 30_000 });
    expect(loadConfig({ METRICS_PORT: '9091', COUNTS_MAX_AGE: '5s' })).toMatchObject({
      metricsPort: 9091,
      countsMaxAgeMs: 5000,
    });
    expect(() => loadConfig({ PORT: '9091', METRICS_PORT: '9091' })).toThrow(/METRICS_PORT must differ from PORT/);
    expect(() => loadConfig({ METRICS_PORT: '0' })).toThrow(/METRICS_PORT must be an integer from 1 to 65,535/);
  });

  it('reads WORKER_QUEUES as queue names with optional limits of their own, and IDEMPOTENCY_WINDOW', () => {
    const config = loadConfig({ WORKER_QUEUES: 'default, reports:2,emails', IDEMPOTENCY_WINDOW: '24h' });
    expect(config.workerQueues).toEqual(
      new Map<string, number | null>([
        ['default', null],
        ['reports', 2],
        ['emails', null],
      ]),
    );
    expect(config.idempotencyWindowMs).toBe(86_400_000);
    expect(() => loadConfig({ WORKER_QUEUES: 'Reports' })).toThrow(/WORKER_QUEUES must be comma-separated queue names/);
    expect(() => loadConfig({ WORKER_QUEUES: 'reports:0' })).toThrow(/WORKER_QUEUES must be/);
    expect(() => loadConfig({ WORKER_QUEUES: 'reports:2:3' })).toThrow(/WORKER_QUEUES must be/);
    expect(() => loadConfig({ WORKER_QUEUES: ',' })).toThrow(/WORKER_QUEUES must be/);
    expect(() => loadConfig({ IDEMPOTENCY_WINDOW: 'soon' })).toThrow(/IDEMPOTENCY_WINDOW must be a duration/);
  });
});
