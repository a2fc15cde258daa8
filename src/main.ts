import 'reflect-metadata';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import type { EmbeddedPostgres } from './database/embedded-postgres.js';

const logger = new Logger('Main');

/** Embedded PostgreSQL's home when DATABASE_URL is unset: `.data/` in the working directory. */
const EMBEDDED_DATA_DIR = resolve('.data', 'pg');
const EMBEDDED_PORT = 54_329;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  let embedded: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    // Imported only when needed: the package changes process exit behaviour as a side effect of loading.
    const { startEmbeddedPostgres } = await import('./database/embedded-postgres.js');
    logger.log(`DATABASE_URL is not set: starting the embedded PostgreSQL in ${EMBEDDED_DATA_DIR}`);
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
    await embedded?.stop();
    // Explicit exit: embedded-postgres makes Node ignore process.exitCode, and a clean stop must exit 0.
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void shutDown(signal));
  process.once('SIGINT', (signal) => void shutDown(signal));

  await app.listen(config.port);
  logger.log(`TaskSystem listening on http://localhost:${config.port} (docs at /docs)`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) logger.error(error.message);
  else logger.error(`start-up failed: ${(error as Error).message}`, (error as Error).stack);
  process.exit(1);
});
