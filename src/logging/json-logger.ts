import type { LoggerService } from '@nestjs/common';
import { pino } from 'pino';
import type { Logger as Pino } from 'pino';
import type { LogLevel } from '../config/app-config.js';
import { currentRequestId } from './request-context.js';

/** Our LOG_LEVEL names in pino's words. */
export const PINO_LEVEL: Record<LogLevel, string> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * Nest's logger interface writing one JSON object per line (pino), for production log pipelines:
 * `{"level":30,"time":…,"context":"WorkerSupervisor","reqId":"4f1c…","msg":"task 7 (sleep) succeeded …"}`.
 * Nest passes the context as the last argument; an Error's stack goes to `stack`; `reqId` is the request
 * the line was logged for (request-context.ts), when there is one.
 */
export class JsonLogger implements LoggerService {
  /** The pino logger itself, which the request log (pino-http) writes its lines to as well. */
  readonly pino: Pino;

  constructor(level: LogLevel, destination?: NodeJS.WritableStream) {
    this.pino = pino(
      {
        level: PINO_LEVEL[level],
        base: { pid: process.pid },
        // Nothing logs request headers today; should anything ever, an API key still never reaches the log.
        redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
      },
      destination ?? process.stdout,
    );
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    // Nest calls error(message, stack, context); a lone second argument is the context.
    const [stack, context] = rest.length >= 2 ? rest : [undefined, rest[0]];
    this.write('error', message, [context], typeof stack === 'string' ? stack : undefined);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  private write(
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace',
    message: unknown,
    rest: unknown[],
    stack?: string,
  ): void {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const fields: Record<string, unknown> = { context };
    const requestId = currentRequestId();
    if (requestId !== undefined) fields.reqId = requestId;
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      fields.stack = message.stack;
      this.pino[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...message });
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
