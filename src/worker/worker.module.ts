import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { QueueModule } from '../queue/queue.module.js';
import { CompletionBatcher } from './completion-batcher.js';
import { LeaseRecoveryService } from './lease-recovery.service.js';
import { TaskHandlerRegistry } from './task-handler.registry.js';
import { TaskOutcomeWriter } from './task-outcome.writer.js';
import { WorkerSupervisor } from './worker-supervisor.service.js';

/** The supervisor that runs tasks, and the registry of task types it can run. */
@Module({
  imports: [DiscoveryModule, QueueModule],
  providers: [TaskHandlerRegistry, CompletionBatcher, TaskOutcomeWriter, WorkerSupervisor, LeaseRecoveryService],
  exports: [TaskHandlerRegistry, WorkerSupervisor],
})
export class WorkerModule {}
