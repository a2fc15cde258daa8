import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { IsolatedTaskHandlerProvider, IsolationOptions } from '../../task-types/task-handler.js';
import { IsolatedTaskHandler } from './isolated-task-handler.js';
import { threadModuleUrl } from './thread-module-url.js';
import { TaskThreadPool } from './task-thread-pool.js';
import type { TaskThreadInfo } from './task-thread-pool.js';

/**
 * The worker threads of every isolated task type of this replica: one pool per type (each type has its own
 * module and resource limits). Ends them all at shutdown, after the supervisor has finished or handed back
 * its tasks (onApplicationShutdown runs after its beforeApplicationShutdown).
 */
@Injectable()
export class IsolatedThreads implements OnApplicationShutdown {
  private readonly logger = new Logger(IsolatedThreads.name);
  private readonly pools = new Map<string, TaskThreadPool>();
  private readonly entry = threadModuleUrl(new URL('./thread-entry.js', import.meta.url));

  /** The TaskHandler the supervisor runs for an isolated type. Fails at start-up if its module is missing. */
  handlerFor(type: string, isolation: IsolationOptions, provider: IsolatedTaskHandlerProvider): IsolatedTaskHandler {
    const pool = new TaskThreadPool({
      type,
      entry: this.entry,
      moduleUrl: threadModuleUrl(isolation.module),
      resourceLimits: isolation.resourceLimits,
      logger: this.logger,
    });
    this.pools.set(type, pool);
    return new IsolatedTaskHandler(provider, pool, this.logger);
  }

  /** Every thread alive now, busy or idle. */
  threads(): TaskThreadInfo[] {
    return [...this.pools.values()].flatMap((pool) => pool.threads());
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }
}
