import { CreateTasks1764288000000 } from './1764288000000-create-tasks.js';
import { IndexFinishedTasks1764374400000 } from './1764374400000-index-finished-tasks.js';
import { TuneTasksAutovacuum1764460800000 } from './1764460800000-tune-tasks-autovacuum.js';
import { CreateSchedules1764547200000 } from './1764547200000-create-schedules.js';
import { LiveIdempotencyKeys1764633600000 } from './1764633600000-live-idempotency-keys.js';
import { CreateTaskAttempts1764720000000 } from './1764720000000-create-task-attempts.js';
import { CreateQueues1764806400000 } from './1764806400000-create-queues.js';
import { AddTaskTraceContext1764892800000 } from './1764892800000-add-task-trace-context.js';
import { TaskRequestId1764979200000 } from './1764979200000-task-request-id.js';
import { CreateWorkers1765000000000 } from './1765000000000-create-workers.js';
import { FlowControl1765100000000 } from './1765100000000-flow-control.js';
import { ClaimBuffers1765200000000 } from './1765200000000-claim-buffers.js';

/** Every migration, oldest first. Listed by hand so that the build, the app and the tests agree. */
export const MIGRATIONS = [
  CreateTasks1764288000000,
  IndexFinishedTasks1764374400000,
  TuneTasksAutovacuum1764460800000,
  CreateSchedules1764547200000,
  LiveIdempotencyKeys1764633600000,
  CreateTaskAttempts1764720000000,
  CreateQueues1764806400000,
  AddTaskTraceContext1764892800000,
  TaskRequestId1764979200000,
  CreateWorkers1765000000000,
  FlowControl1765100000000,
  ClaimBuffers1765200000000,
];
