import { ConsoleLogger } from '@nestjs/common';
import type { LogLevel as NestLogLevel } from '@nestjs/common';
import { currentRequestId } from './request-context.js';

/**
 * Nest's readable console lines (LOG_FORMAT=text, the default outside production), each ending with the
 * id of the request it was logged for, if any: `… LOG [TaskOutcomeWriter] task 7 (sleep) succeeded … reqId=4f1c…`.
 */
export class TextLogger extends ConsoleLogger {
  constructor(logLevels: NestLogLevel[]) {
    super({ logLevels });
  }

  protected override stringifyMessage(message: unknown, logLevel: NestLogLevel): string {
    const requestId = currentRequestId();
    const text = super.stringifyMessage(message, logLevel);
    return requestId === undefined ? text : `${text} reqId=${requestId}`;
  }
}
