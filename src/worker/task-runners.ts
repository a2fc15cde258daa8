import { Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import type { TaskHandler } from '../task-types/task-handler.js';
import { TaskTypeRegistry } from '../task-types/task-type.registry.js';
import { IsolatedThreads } from './isolated/isolated-threads.service.js';

/**
 * What the supervisor runs for each task type of this process: the provider itself for an inline type, or
 * for an isolated one the wrapper that runs its thread module in a worker thread (its pool is made here,
 * so a missing module fails the start-up).
 */
@Injectable()
export class TaskRunners implements OnModuleInit {
  private readonly runners = new Map<string, TaskHandler>();
  /** Read at every claim round: made once. */
  private runnableTypes: string[] = [];

  constructor(
    private readonly taskTypes: TaskTypeRegistry,
    private readonly isolatedThreads: IsolatedThreads,
  ) {}

  onModuleInit(): void {
    for (const type of this.taskTypes.types) {
      const { options, provider } = this.taskTypes.find(type)!;
      this.runners.set(
        type,
        options.isolated
          ? this.isolatedThreads.handlerFor(type, options.isolated, provider)
          : (provider as TaskHandler),
      );
    }
    this.runnableTypes = [...this.runners.keys()];
  }

  /** The task types this replica runs: it claims only these. */
  get types(): string[] {
    return this.runnableTypes;
  }

  /** The handler to run for a task of `type`; the claim takes only types that have one. */
  of(type: string): TaskHandler {
    const runner = this.runners.get(type);
    if (!runner) throw new Error(`no handler for task type '${type}' on this replica`);
    return runner;
  }
}
