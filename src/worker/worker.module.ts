import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { QueueSettingsModule } from '../queues/queue-settings.module.js';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { IsolatedThreads } from './isolated/isolated-threads.service.js';
import { OutcomeBatcher } from './outcome-batcher.js';
import { TaskClaimer } from './task-claimer.js';
import { TaskInputChecker } from './task-input.checker.js';
import { TaskHandlerRegistry } from './task-handler.registry.js';
import { TaskOutcomeWriter } from './task-outcome.writer.js';
import { WorkerSupervisor } from './worker-supervisor.service.js';

/** The supervisor that runs tasks, the registry of task types it can run, and the threads of isolated types. */
@Module({
  imports: [DiscoveryModule, TaskStoreModule, QueueSettingsModule],
  providers: [
    TaskHandlerRegistry,
    IsolatedThreads,
    OutcomeBatcher,
    TaskClaimer,
    TaskInputChecker,
    TaskOutcomeWriter,
    WorkerSupervisor,
  ],
  exports: [TaskHandlerRegistry, TaskInputChecker, WorkerSupervisor, IsolatedThreads],
})
export class WorkerModule {}
