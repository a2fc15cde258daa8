import { Module } from '@nestjs/common';
import { QueueSettingsModule } from '../queues/queue-settings.module.js';
import { TaskStoreModule } from '../task-store/task-store.module.js';
import { WorkersModule } from '../workers/workers.module.js';
import { IsolatedThreads } from './isolated/isolated-threads.service.js';
import { OutcomeBatcher } from './outcome-batcher.js';
import { TaskClaimer } from './task-claimer.js';
import { TaskOutcomeWriter } from './task-outcome.writer.js';
import { TaskTypesModule } from '../task-types/task-types.module.js';
import { TaskRunners } from './task-runners.js';
import { WorkerPresence } from './worker-presence.js';
import { WorkerSupervisor } from './worker-supervisor.service.js';

/**
 * The supervisor that claims and runs tasks of the types this process has, the threads of isolated types,
 * and this replica's row in the workers table.
 */
@Module({
  imports: [TaskTypesModule, TaskStoreModule, QueueSettingsModule, WorkersModule],
  providers: [
    TaskRunners,
    IsolatedThreads,
    OutcomeBatcher,
    TaskClaimer,
    TaskOutcomeWriter,
    WorkerPresence,
    WorkerSupervisor,
  ],
  exports: [WorkerSupervisor, IsolatedThreads],
})
export class WorkerModule {}
