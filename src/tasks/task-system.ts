import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Transaction } from '../database/database.js';
import type { Task, TaskAttempt, TaskStatus } from '../task-store/task.js';
import type { CreateTaskDto } from './dto/create-task.dto.js';
import { ListTasksQuery } from './dto/list-tasks.query.js';
import { DEFAULT_STOP_WAIT_MS, TaskManagerService } from './task-manager.service.js';
import { isTaskId } from './task-id.js';
import { readCanonicalTask } from './task-submission.js';
import { TaskRefusedError } from '../errors/task.errors.js';

/** A task to submit, as POST /tasks takes it (canonical form). */
export interface TaskSubmission<Payload = unknown> {
  /** A task type some process declares with @TaskHandler. */
  type: string;
  payload?: Payload;
  /** Named queue (default `default`). */
  queue?: string;
  /** Idempotency key: a submission whose key a task holds returns that task instead. */
  key?: string;
  /** Concurrency key (a tenant, an account…): claims take keys in turn, and a queue may limit each key. */
  concurrencyKey?: string;
  /** Higher runs first, -100 to 100 (default 0). */
  priority?: number;
  /** Not before this instant (default now). */
  runAt?: Date | string;
  /** Attempts before it fails for good, 1 to 100 (default 3). */
  maxAttempts?: number;
  /** An attempt running longer is aborted and counts as failed (default none). */
  timeoutMs?: number | null;
}

export interface SubmitOptions {
  /**
   * A transaction of the application's, on TaskSystem's database: the tasks exist if and only if it
   * commits, and idle workers are woken at its commit. The EntityManager that `dataSource.transaction()`
   * hands its callback, or a QueryRunner after `startTransaction()`.
   */
  manager?: Transaction;
}

export interface ListOptions {
  status?: TaskStatus | TaskStatus[];
  type?: string;
  queue?: string;
  /** 1 to 500 (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface WaitOptions {
  /** How long to wait at most, in ms. */
  timeoutMs: number;
}

/**
 * TaskSystem in process: what the REST API does, for the application's own code, with the same checks and
 * the same errors (TaskSystemError, with a `code` to switch on) instead of HTTP statuses. Inject it
 * anywhere, a task handler included (to enqueue follow-up work).
 */
@Injectable()
export class TaskSystem {
  constructor(private readonly manager: TaskManagerService) {}

  /**
   * Stores a task and returns it. With a `key` a task already holds (and the same description), that
   * task is returned instead; with another description, an IDEMPOTENCY_KEY_REUSED error is thrown.
   */
  async submit<Payload>(task: TaskSubmission<Payload>, { manager }: SubmitOptions = {}): Promise<Task> {
    return (await this.manager.submit(await checked(task), manager)).task;
  }

  /** Stores all the tasks, in order, or none (the error names the index of the first bad one). */
  async submitBatch(tasks: TaskSubmission[], { manager }: SubmitOptions = {}): Promise<Task[]> {
    const submissions = await Promise.all(tasks.map((task, index) => checked(task, index)));
    return (await this.manager.submitMany(submissions, manager)).map(({ task }) => task);
  }

  /** Submits, then waits as `wait` does. */
  async submitAndWait<Payload>(task: TaskSubmission<Payload>, options: WaitOptions & SubmitOptions): Promise<Task> {
    if (options.manager) {
      throw new TaskRefusedError(
        'INVALID_REQUEST',
        'submitAndWait cannot wait inside a transaction: its task runs only after the commit',
      );
    }
    const submitted = await this.submit(task);
    return this.wait(submitted.id, options);
  }

  /** The task (TASK_NOT_FOUND if there is none). */
  async get(id: string): Promise<Task> {
    return this.manager.get(checkedId(id));
  }

  /** Tasks newest first, a page at a time. */
  async list(options: ListOptions = {}): Promise<{ tasks: Task[]; nextCursor: string | null }> {
    const { status, ...rest } = options;
    const query = plainToInstance(ListTasksQuery, {
      ...rest,
      status: status === undefined ? undefined : [status].flat(),
    });
    const problems = (await validate(query, { forbidUnknownValues: false })).flatMap((e) =>
      Object.values(e.constraints ?? {}),
    );
    if (problems.length > 0) throw new TaskRefusedError('INVALID_REQUEST', problems);
    return this.manager.list(query);
  }

  /** Every attempt of a task, oldest first. */
  async attempts(id: string): Promise<TaskAttempt[]> {
    return this.manager.attempts(checkedId(id));
  }

  /**
   * Stops a task: a queued one never starts; a running one has its AbortSignal fired wherever it runs, and
   * this waits up to `waitMs` (default 5000) for it to end. `stopped` is false when it had not ended yet.
   */
  async stop(
    id: string,
    { waitMs = DEFAULT_STOP_WAIT_MS }: { waitMs?: number } = {},
  ): Promise<{ task: Task; stopped: boolean }> {
    return this.manager.stop(checkedId(id), waitMs);
  }

  /** Puts a failed or cancelled task back in the queue with a fresh count of attempts. */
  async retry(id: string): Promise<Task> {
    return this.manager.retry(checkedId(id));
  }

  /**
   * Resolves with the task as soon as it is terminal (succeeded, failed or cancelled, on any replica), or
   * with the task as it stands when `timeoutMs` has passed. Woken by PostgreSQL's notifications.
   */
  async wait(id: string, { timeoutMs }: WaitOptions): Promise<Task> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new TaskRefusedError('INVALID_REQUEST', 'timeoutMs must be a number of milliseconds, 0 or more');
    }
    return this.manager.waitForEnd(checkedId(id), timeoutMs);
  }
}

/** The submission checked as POST /tasks checks a canonical body (types, ranges, unknown fields). */
async function checked(task: TaskSubmission, index?: number): Promise<CreateTaskDto> {
  const body = task.runAt instanceof Date ? { ...task, runAt: task.runAt.toISOString() } : task;
  const read = await readCanonicalTask(body);
  if (!Array.isArray(read)) return read;
  const error = new TaskRefusedError('INVALID_REQUEST', read);
  throw index === undefined ? error : error.forBatchItem(index);
}

function checkedId(id: string): string {
  if (!isTaskId(id)) {
    throw new TaskRefusedError('TASK_NOT_FOUND', `task ${String(id)} does not exist: a task id is a string of digits`);
  }
  return id;
}
