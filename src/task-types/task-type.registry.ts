import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { TaskHandler } from './task-handler.js';
import type { TaskHandler as Handler, TaskHandlerOptions } from './task-handler.js';

/** A task type as declared: its options and the provider marked @TaskHandler. */
export interface TaskType {
  options: TaskHandlerOptions;
  /** The provider: `validatePayload` for every type, `run` for an inline one (an isolated one runs elsewhere). */
  provider: Partial<Handler>;
}

/**
 * Every task type this process knows, found among the providers marked @TaskHandler in any module of the
 * application (the host's included). The API checks submissions against it; the worker runs its types.
 * A declaration that cannot work (two providers for a type, an inline type without run(), an isolated one
 * with a run() that would never be called) fails the start-up.
 */
@Injectable()
export class TaskTypeRegistry implements OnModuleInit {
  private readonly logger = new Logger(TaskTypeRegistry.name);
  private discovered: Map<string, TaskType> | undefined;

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    this.logger.log(`task types: ${this.types.join(', ') || 'none'}`);
  }

  get types(): string[] {
    return [...this.byType().keys()].sort();
  }

  find(type: string): TaskType | undefined {
    return this.byType().get(type);
  }

  /** Discovered on first use: a provider's onModuleInit may ask before ours has run. */
  private byType(): Map<string, TaskType> {
    this.discovered ??= this.discover();
    return this.discovered;
  }

  private discover(): Map<string, TaskType> {
    const types = new Map<string, TaskType>();
    for (const wrapper of this.discovery.getProviders({ metadataKey: TaskHandler.KEY })) {
      const options = this.discovery.getMetadataByDecorator(TaskHandler, wrapper);
      const provider = wrapper.instance as Partial<Handler> | undefined;
      if (!options || !provider) continue;
      if (types.has(options.type)) throw new Error(`Two handlers claim the task type '${options.type}'`);
      checkDeclaration(String(wrapper.name), options, provider);
      types.set(options.type, { options, provider });
    }
    return types;
  }
}

function checkDeclaration(name: string, options: TaskHandlerOptions, provider: Partial<Handler>): void {
  if (options.isolated && typeof provider.run === 'function') {
    throw new Error(
      `${name} is marked isolated (task type '${options.type}'): its run() belongs in ${options.isolated.module.href}, not on the provider`,
    );
  }
  if (!options.isolated && typeof provider.run !== 'function') {
    throw new Error(`${name} is marked @TaskHandler('${options.type}') but has no run() method`);
  }
}
