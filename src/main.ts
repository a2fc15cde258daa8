import 'reflect-metadata';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import type { AppConfig } from './config/app-config.js';
import type { EmbeddedPostgres } from './dev/embedded-postgres/embedded-postgres.js';
import type { TracingSdk } from './tracing/tracing-sdk.js';

const logger = new Logger('Main');

/** Embedded PostgreSQL's home when DATABASE_URL is unset: `.data/` in the working directory. */
const EMBEDDED_DATA_DIR = resolve('.data', 'pg');
const EMBEDDED_PORT = 54_329;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const tracing = await startTracing(config);
  let embedded: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    logger.log(`DATABASE_URL is not set: starting the embedded PostgreSQL in ${EMBEDDED_DATA_DIR}`);
    const { startEmbeddedPostgres } = await loadEmbeddedPostgres();
    embedded = await startEmbeddedPostgres({
      dataDir: EMBEDDED_DATA_DIR,
      preferredPort: EMBEDDED_PORT,
      log: (m) => logger.log(m),
    });
    config.databaseUrl = embedded.url;
  }

  const app = await createApp(config);
  let shuttingDown = false;
  const shutDown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.log(`${signal} received: stopping`);
    await app.close();
    await tracing?.shutdown(); // sends the spans still batched
    await embedded?.stop();
    // Explicit exit: a clean stop exits 0 even if a library left a timer or socket open.
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void shutDown(signal));
  process.once('SIGINT', (signal) => void shutDown(signal));

  await app.listen(config.port);
  logger.log(`TaskSystem listening on http://localhost:${config.port} (docs at /docs)`);
}

/** The OpenTelemetry SDK, when OTEL_* asks for traces; otherwise none is even loaded (docs/observability.md). */
async function startTracing(config: AppConfig): Promise<TracingSdk | undefined> {
  if (config.otelSdkDisabled || config.tracesExporter === 'none') return undefined;
  const { startTracingSdk } = await import('./tracing/tracing-sdk.js');
  const sdk = startTracingSdk(config);
  logger.log(`traces of service ${config.otelServiceName} go to ${sdk.destination}`);
  return sdk;
}

/**
 * The embedded PostgreSQL is a development tool: its programs come with the devDependencies, which a
 * production install (the Docker image) leaves out. There, DATABASE_URL is required.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('./dev/embedded-postgres/embedded-postgres.js')> {
  try {
    return await import('./dev/embedded-postgres/embedded-postgres.js');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConfigError(
      'DATABASE_URL is not set, and the embedded PostgreSQL for development is not installed here ' +
        '(it comes with the devDependencies): set DATABASE_URL to a PostgreSQL server',
    );
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) logger.error(error.message);
  else logger.error(`start-up failed: ${(error as Error).message}`, (error as Error).stack);
  process.exit(1);
});
