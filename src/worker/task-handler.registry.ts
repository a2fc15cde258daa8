import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { IsolatedThreads } from './isolated/isolated-threads.service.js';
import { TaskHandler } from './task-handler.js';
import type { TaskHandler as Handler, TaskHandlerOptions } from './task-handler.js';

export interface RegisteredHandler {
  options: TaskHandlerOptions;
  /** What the supervisor runs: the provider itself, or for an isolated type the wrapper that runs it in a thread. */
  handler: Handler;
}

/** Every task type this process knows, found at start-up among the providers marked @TaskHandler. */
@Injectable()
export class TaskHandlerRegistry implements OnModuleInit {
  private readonly logger = new Logger(TaskHandlerRegistry.name);
  private readonly handlers = new Map<string, RegisteredHandler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly isolatedThreads: IsolatedThreads,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: TaskHandler.KEY })) {
      const options = this.discovery.getMetadataByDecorator(TaskHandler, wrapper);
      const provider = wrapper.instance as Partial<Handler> | undefined;
      if (!options || !provider) continue;
      if (this.handlers.has(options.type)) {
        throw new Error(`Two handlers claim the task type '${options.type}'`);
      }
      this.handlers.set(options.type, { options, handler: this.handlerOf(String(wrapper.name), options, provider) });
    }
    this.logger.log(`task types: ${this.types.join(', ')}`);
  }

  get types(): string[] {
    return [...this.handlers.keys()].sort();
  }

  find(type: string): RegisteredHandler | undefined {
    return this.handlers.get(type);
  }

  private handlerOf(name: string, options: TaskHandlerOptions, provider: Partial<Handler>): Handler {
    if (options.isolated) {
      // A run() on the provider would never be called: say so rather than let its author wonder.
      if (typeof provider.run === 'function') {
        throw new Error(
          `${name} is marked isolated (task type '${options.type}'): its run() belongs in ${options.isolated.module.href}, not on the provider`,
        );
      }
      return this.isolatedThreads.handlerFor(options.type, options.isolated, provider);
    }
    if (typeof provider.run !== 'function') {
      throw new Error(`${name} is marked @TaskHandler('${options.type}') but has no run() method`);
    }
    return provider as Handler;
  }
}
