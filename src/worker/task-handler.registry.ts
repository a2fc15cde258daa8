import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { TaskHandler } from './task-handler.js';
import type { TaskHandler as Handler, TaskHandlerOptions } from './task-handler.js';

export interface RegisteredHandler {
  options: TaskHandlerOptions;
  handler: Handler;
}

/** Every task type this process knows, found at start-up among the providers marked @TaskHandler. */
@Injectable()
export class TaskHandlerRegistry implements OnModuleInit {
  private readonly logger = new Logger(TaskHandlerRegistry.name);
  private readonly handlers = new Map<string, RegisteredHandler>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: TaskHandler.KEY })) {
      const options = this.discovery.getMetadataByDecorator(TaskHandler, wrapper);
      const handler = wrapper.instance as Handler | undefined;
      if (!options || !handler) continue;
      if (typeof handler.run !== 'function') {
        throw new Error(`${wrapper.name} is marked @TaskHandler('${options.type}') but has no run() method`);
      }
      if (this.handlers.has(options.type)) {
        throw new Error(`Two handlers claim the task type '${options.type}'`);
      }
      this.handlers.set(options.type, { options, handler });
    }
    this.logger.log(`task types: ${this.types.join(', ')}`);
  }

  get types(): string[] {
    return [...this.handlers.keys()].sort();
  }

  find(type: string): RegisteredHandler | undefined {
    return this.handlers.get(type);
  }
}
