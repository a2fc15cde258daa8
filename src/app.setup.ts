import type { INestApplication, LogLevel as NestLogLevel, Type } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import express from 'express';
import helmet from 'helmet';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import type { AppConfig, LogLevel } from './config/app-config.js';
import { HttpErrorFilter } from './http/http-error.filter.js';
import { jsonBodyParser } from './http/json-body.middleware.js';
import { requestId } from './http/request-id.middleware.js';
import { requestLog } from './http/request-log.middleware.js';
import { JsonLogger } from './logging/json-logger.js';
import { TextLogger } from './logging/text-logger.js';
import { setUpSwagger } from './http/swagger.js';

/** Room for the JSON around a payload; the payload itself is held to PAYLOAD_LIMIT_BYTES (413 beyond). */
const BODY_OVERHEAD_BYTES = 16 * 1024;
/**
 * A batch of up to 1,000 tasks: each payload is still held to PAYLOAD_LIMIT_BYTES, but the whole body
 * is capped so that one request cannot make the service hold an unbounded amount of JSON.
 */
const BATCH_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/**
 * Express matches paths case-insensitively by default, while everything that reads a path by hand (the body
 * parser's routes below) compares it exactly: `POST /TASKS` reached the submit route without its body, and
 * stored a default task. One spelling per route, as URLs are case-sensitive: `/TASKS` is a 404. Express
 * reads the setting when it creates its router, so it is set before Nest registers anything.
 */
function caseSensitiveExpress(): ExpressAdapter {
  const instance = express();
  instance.set('case sensitive routing', true);
  return new ExpressAdapter(instance);
}

/**
 * Builds the whole HTTP application (not yet listening); TaskSystemModule migrates the database as it starts. main.ts and the
 * end-to-end tests both start TaskSystem through here, so the tests run what users run. `extraModules`
 * adds task types, as an application embedding TaskSystem would.
 */
export async function createApp(config: AppConfig, extraModules: Type[] = []): Promise<INestApplication> {
  if (!config.databaseUrl) throw new Error('createApp needs config.databaseUrl');
  const rateLimit =
    config.throttleLimit > 0 ? [(await import('./auth/rate-limit.module.js')).RateLimitModule.forRoot(config)] : [];
  const jsonLogger = config.logFormat === 'json' ? new JsonLogger(config.logLevel) : undefined;
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, [...rateLimit, ...extraModules]),
    caseSensitiveExpress(),
    { bodyParser: false, logger: jsonLogger ?? new TextLogger(NEST_LEVELS[config.logLevel]) },
  );
  app.use(requestId, requestLog(config.logLevel, jsonLogger?.pino));
  app.use(
    jsonBodyParser([
      { path: '/tasks/batch', limitBytes: BATCH_BODY_LIMIT_BYTES },
      { path: '/tasks', limitBytes: config.payloadLimitBytes + BODY_OVERHEAD_BYTES },
      // A schedule carries a task to submit, so the same limit as a task.
      { path: '/schedules', limitBytes: config.payloadLimitBytes + BODY_OVERHEAD_BYTES },
      { path: '/queues', limitBytes: BODY_OVERHEAD_BYTES },
    ]),
  );
  // Behind Fly's proxy or a load balancer, the client's address (which rate limits count by) is in X-Forwarded-For.
  if (config.trustProxyHops > 0) app.set('trust proxy', config.trustProxyHops);
  // Helmet's default Content-Security-Policy, less `upgrade-insecure-requests`: served over plain HTTP on any
  // address but localhost (a LAN address, a compose host), that directive makes the browser fetch the
  // dashboard's own scripts and API calls over HTTPS, which fails, and leaves the page blank (checked in
  // Chromium). Behind TLS it changes nothing: every URL the page uses is relative.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  // Closed to browsers on other origins unless CORS_ORIGINS names them.
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins });
  app.useGlobalFilters(new HttpErrorFilter());
  if (config.apiKeys.length === 0) {
    new Logger('Auth').warn('API_KEYS is not set: the task API is open to anyone who can reach it');
  }
  setUpSwagger(app);
  return app;
}
