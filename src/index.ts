// The package `tasksystem`: what a Nest application imports to run its own task types on PostgreSQL.
// Nothing outside this file (and `tasksystem/client`) is public.
export { TaskSystemModule } from './module/task-system.module.js';
export type {
  TaskSystemAsyncOptions,
  TaskSystemFeatures,
  TaskSystemModuleOptions,
  TaskSystemOptions,
} from './module/task-system.options.js';

export { TaskHandler } from './task-types/task-handler.js';
export type {
  IsolatedTaskHandlerProvider,
  IsolationOptions,
  TaskContext,
  TaskHandlerOptions,
} from './task-types/task-handler.js';

export { TaskSystem } from './tasks/task-system.js';
export type { ListOptions, SubmitOptions, TaskSubmission, WaitOptions } from './tasks/task-system.js';
export { MAX_WAIT_MS } from './tasks/task-manager.service.js';
export { TaskSystemError } from './errors/task-system-error.js';
export type { TaskSystemErrorCode } from './errors/task-system-error.js';
export { TaskRefusedError } from './errors/task.errors.js';
export type { TaskErrorCode } from './errors/task.errors.js';
export { ScheduleRefusedError } from './errors/schedule.errors.js';
export type { ScheduleErrorCode } from './errors/schedule.errors.js';

export type { Task, TaskAttempt, TaskError, TaskProgress, TaskStatus } from './task-store/task.js';
export { TASK_STATUSES } from './task-store/task.js';
export type { Transaction } from './database/database.js';
export { MIGRATIONS as TASKSYSTEM_MIGRATIONS } from './database/migrations/index.js';

export { SchedulesModule } from './schedules/schedules.module.js';
export type { ScheduleDeclaration } from './schedules/declared-schedules.js';
