import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { isTerminal } from '../task-store/task.js';
import { DEFAULT_QUEUE } from '../task-store/task.js';
import type { NewTask, Task, TaskAttempt, TaskStatus } from '../task-store/task.js';
import { isUniqueViolation } from '../database/database-errors.js';
import type { StoredTask } from '../task-store/task.repository.js';
import { TaskMetrics } from '../metrics/task-metrics.js';
import { TaskNotificationsService } from '../task-store/task-notifications.service.js';
import { Database } from '../database/database.js';
import type { Transaction } from '../database/database.js';
import { TaskRepository } from '../task-store/task.repository.js';
import { describeOutcome } from '../task-store/outcome-log.js';
import { currentRequestId, withRequestId } from '../logging/request-context.js';
import { TaskTypeRegistry } from '../task-types/task-type.registry.js';
import { TaskInputChecker } from '../task-types/task-input.checker.js';
import type { CreateTaskDto } from './dto/create-task.dto.js';
import type { ListTasksQuery } from './dto/list-tasks.query.js';
import { reusedKeyRefusal } from './idempotency.js';
import { GroupCommit } from '../database/group-commit.js';
import { TaskRefusedError } from '../errors/task.errors.js';
import { traceSubmission } from '../tracing/submission-tracing.js';
import { traceStop } from '../tracing/stop-tracing.js';

export const DEFAULT_PAGE_SIZE = 50;
export const DEFAULT_STOP_WAIT_MS = 5000;
/** The longest one request may wait for a task to end (`?wait=`): a client cannot hold a connection longer. */
export const MAX_WAIT_MS = 60_000;
/**
 * Single submissions per group write at most. A busy replica's groups are as large as the requests it
 * serves at once (tens); the bound keeps an in-process flood (thousands of submits not awaited one by one)
 * from becoming one statement of hundreds of megabytes of payloads (each up to PAYLOAD_LIMIT_BYTES).
 */
const MAX_SUBMISSION_GROUP = 500;

/**
 * While a request waits for a task to end (a DELETE, a `?wait=`), the task_events notification of its
 * end wakes it; it also re-reads the task this often, in case that notification is missed (NOTIFY is a
 * hint; the table is the truth), and at once when the LISTEN connection comes back.
 */
const END_RECHECK_MS = 1000;

export interface StopOutcome {
  task: Task;
  /** False when the task was still running when the wait ran out (it stops later). */
  stopped: boolean;
}

/** What the API can do with tasks: the domain rules between the HTTP face and the queue. */
@Injectable()
export class TaskManagerService {
  private readonly logger = new Logger(TaskManagerService.name);

  /**
   * Single submissions outside a caller's transaction, written together: those that arrive while one
   * write is in flight share the next INSERT and its commit (docs/design.md, "Group commit of submissions").
   */
  private readonly singleSubmissions = new GroupCommit<NewTask, StoredTask>(
    (tasks) => this.insertEachOnItsOwnBehalf(tasks),
    MAX_SUBMISSION_GROUP,
  );

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly tasks: TaskRepository,
    private readonly taskTypes: TaskTypeRegistry,
    private readonly notifications: TaskNotificationsService,
    private readonly metrics: TaskMetrics,
    private readonly inputs: TaskInputChecker,
  ) {}

  /** The task types this replica can accept, by name. */
  types(): { type: string; description: string | null }[] {
    return this.taskTypes.types.map((type) => ({
      type,
      description: this.taskTypes.find(type)?.options.description ?? null,
    }));
  }

  /**
   * Checks a submission against the registered types and limits, then stores it. With an idempotency key
   * already held by a task, that task is returned (`created` false) instead, if it describes the same task.
   * In the caller's transaction `tx` when given; else together with the submissions arriving at the same time.
   */
  async submit(submission: CreateTaskDto, tx?: Transaction): Promise<StoredTask> {
    const [stored] = await this.store([this.toNewTask(submission)], async ([task]) =>
      tx ? this.insert([task], tx) : [await this.singleSubmissions.add(task)],
    );
    return stored;
  }

  /** Stores all the submissions, in order, or none: the first bad one is refused. */
  async submitMany(submissions: CreateTaskDto[], tx?: Transaction): Promise<StoredTask[]> {
    const tasks = submissions.map((submission, index) => {
      try {
        return this.toNewTask(submission);
      } catch (error) {
        throw error instanceof TaskRefusedError ? error.forBatchItem(index) : error;
      }
    });
    return this.store(tasks, (traced) => this.insert(traced, tx));
  }

  /** Stores the tasks through `insert`, in the span of their submission, whose trace they carry. */
  private async store(tasks: NewTask[], insert: (traced: NewTask[]) => Promise<StoredTask[]>): Promise<StoredTask[]> {
    const stored = await traceSubmission(
      { queues: tasks.map((task) => task.queue), replicaId: this.config.replicaId },
      (traceContext) => insert(traceContext ? tasks.map((task) => ({ ...task, traceContext })) : tasks),
      (results) => results.flatMap(({ task, created }) => (created ? [task.id] : [])),
    );
    for (const { task, created } of stored) if (created) this.metrics.submitted.inc({ type: task.type });
    return stored;
  }

  /**
   * Stores the tasks in `tx` when given (the caller's transaction: they exist if and only if it commits),
   * else on their own, all or none: a key reused for another task refuses the whole submission before
   * anything is stored.
   */
  private insert(tasks: NewTask[], tx?: Transaction): Promise<StoredTask[]> {
    return this.insertOrFindHolders(tasks, tx, (stored) => refuseReusedKeys(tasks, stored));
  }

  /**
   * Stores a group of single submissions, each on its own behalf: a key reused for another task refuses
   * only the submission that reused it, and the others are stored and answered all the same.
   */
  private async insertEachOnItsOwnBehalf(tasks: NewTask[]): Promise<PromiseSettledResult<StoredTask>[]> {
    const stored = await this.insertOrFindHolders(tasks, undefined, () => undefined);
    return stored.map((one, index): PromiseSettledResult<StoredTask> => {
      const refusal = reusedKeyRefusal(tasks[index], one);
      return refusal ? { status: 'rejected', reason: refusal } : { status: 'fulfilled', value: one };
    });
  }

  /**
   * Inserts the tasks; a keyed one whose key is held comes back as its holder (`created` false). With
   * keys, the read of held keys and the insert share one transaction (`tx`, or one of its own), which
   * `check` may still refuse, by throwing, before it commits.
   */
  private insertOrFindHolders(
    tasks: NewTask[],
    tx: Transaction | undefined,
    check: (stored: StoredTask[]) => void,
  ): Promise<StoredTask[]> {
    if (tasks.every((task) => task.key === null)) {
      return this.tasks.insert(tasks, tx).then((inserted) => inserted.map((task) => ({ task, created: true })));
    }
    return this.db.within(tx, async (within) => {
      const stored = await this.tasks.insertWithKeys(tasks, this.config.idempotencyWindowMs, within);
      check(stored);
      return stored;
    });
  }

  async list(query: ListTasksQuery): Promise<{ tasks: Task[]; nextCursor: string | null }> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    // One row more than asked tells whether there is a next page without a count query.
    const tasks = await this.tasks.list({
      statuses: query.status ?? null,
      type: query.type ?? null,
      queue: query.queue ?? null,
      waiting: query.waiting ?? null,
      beforeId: query.cursor ?? null,
      limit: limit + 1,
    });
    const hasMore = tasks.length > limit;
    if (hasMore) tasks.length = limit;
    return { tasks, nextCursor: hasMore ? tasks[tasks.length - 1].id : null };
  }

  /** Puts a failed or cancelled task back to `queued`, with a fresh count of attempts. */
  async retry(id: string): Promise<Task> {
    let task: Task | undefined;
    try {
      task = await this.tasks.retry(id);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const { key } = await this.get(id);
      throw new TaskRefusedError(
        'TASK_NOT_RETRYABLE',
        `task ${id} cannot be retried: a live task holds its idempotency key "${key}"`,
      );
    }
    if (!task) {
      const existing = await this.get(id);
      throw new TaskRefusedError(
        'TASK_NOT_RETRYABLE',
        `task ${id} is ${existing.status}: only a failed or cancelled task can be retried`,
        existing,
      );
    }
    this.logger.log(`task ${id} (${task.type}) put back in the queue on request`);
    return task;
  }

  /** Every attempt of a task, oldest first. */
  async attempts(id: string): Promise<TaskAttempt[]> {
    const attempts = await this.tasks.attempts(id);
    if (attempts.length === 0) await this.get(id); // 404 for an unknown task; a known one may have none yet
    return attempts;
  }

  async get(id: string): Promise<Task> {
    const task = await this.tasks.get(id);
    if (!task) throw new TaskRefusedError('TASK_NOT_FOUND', `task ${id} does not exist`);
    return task;
  }

  /**
   * Stops a task: a queued one is cancelled at once; a running one is told to stop wherever it runs, and
   * this waits up to `waitMs` for it to end.
   */
  async stop(id: string, waitMs = DEFAULT_STOP_WAIT_MS): Promise<StopOutcome> {
    return traceStop({ id, replicaId: this.config.replicaId }, async (stop) => {
      const askedAt = Date.now();
      const stopping = await this.tasks.requestStop(id);
      if (!stopping) {
        const existing = await this.get(id);
        throw new TaskRefusedError('TASK_ALREADY_FINISHED', `task ${id} is already ${existing.status}`, existing);
      }
      const { traceContext, requestId, ...task } = stopping;
      stop.requested(task, traceContext);
      if (isTerminal(task.status)) {
        // Cancelled before it started, so no worker will log its end: logged here, as its other lines are,
        // under the request that submitted it (the DELETE's own line names the DELETE).
        withRequestId(requestId, () => this.logger.log(describeOutcome(task)));
        this.metrics.finished.inc({ type: task.type, status: task.status });
        return { task, stopped: true };
      }
      const latest = await this.waitForEnd(id, waitMs);
      if (isTerminal(latest.status)) this.metrics.stopLatency.observe((Date.now() - askedAt) / 1000);
      return { task: latest, stopped: isTerminal(latest.status) };
    });
  }

  private toNewTask(submission: CreateTaskDto): NewTask {
    const type = submission.type ?? this.config.defaultTaskType;
    const payload = submission.payload ?? null;
    this.inputs.check({ type, payload });
    return {
      type,
      queue: submission.queue ?? DEFAULT_QUEUE,
      key: submission.key ?? null,
      concurrencyKey: submission.concurrencyKey ?? null,
      payload,
      priority: submission.priority ?? 0,
      runAt: submission.runAt === undefined ? null : new Date(submission.runAt),
      maxAttempts: submission.maxAttempts ?? 3,
      timeoutMs: submission.timeoutMs ?? null,
      // The HTTP request being served, if any (an in-process submit may be part of none).
      requestId: currentRequestId() ?? null,
    };
  }

  /**
   * Waits until the task is terminal (on any replica) or `waitMs` passes, whichever is first, and returns
   * it as it is then. Woken by the change notifications; the row is re-read now and then in case one is
   * missed (NOTIFY is a hint; the table is the truth).
   */
  async waitForEnd(id: string, waitMs: number): Promise<Task> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      // Listen before reading, so an end announced between the read and the wait is not missed.
      const done = this.nextEndOf(id, Math.min(END_RECHECK_MS, Math.max(0, deadline - Date.now())));
      const task = await this.get(id);
      if (isTerminal(task.status) || Date.now() >= deadline) {
        done.cancel();
        return task;
      }
      await done.settled;
    }
  }

  /** Settles when task `id` is announced in a terminal status, or after `timeoutMs`. */
  private nextEndOf(id: string, timeoutMs: number): { settled: Promise<void>; cancel: () => void } {
    let cancel!: () => void;
    const settled = new Promise<void>((resolve) => {
      const onChanged = (status: TaskStatus, ids: string[]): void => {
        if (isTerminal(status) && ids.includes(id)) cancel();
      };
      const timer = setTimeout(() => cancel(), timeoutMs);
      cancel = () => {
        clearTimeout(timer);
        this.notifications.off('changed', onChanged);
        this.notifications.off('reconnected', cancel);
        resolve();
      };
      this.notifications.on('changed', onChanged);
      this.notifications.on('reconnected', cancel);
    });
    return { settled, cancel };
  }
}

/** Refuses (409, naming the key) a submission whose key is held by a task it does not describe. */
function refuseReusedKeys(submitted: NewTask[], stored: StoredTask[]): void {
  stored.forEach((one, index) => {
    const refusal = reusedKeyRefusal(submitted[index], one);
    if (refusal) throw submitted.length > 1 ? refusal.forBatchItem(index) : refusal;
  });
}
