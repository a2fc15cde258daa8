import { isDeepStrictEqual } from 'node:util';
import type { NewTask, Task } from '../task-store/task.js';
import type { StoredTask } from '../task-store/task.repository.js';
import { TaskRefusedError } from '../errors/task.errors.js';

/**
 * The fields of a resubmission that differ from the task already holding its idempotency key. A
 * resubmission must describe the same task; otherwise the key was reused by mistake, which a 409 says.
 * `runAt` counts only when given: left out, it means "now", which is a different instant every time.
 */
export function differingFields(submitted: NewTask, existing: Task): string[] {
  const differing: string[] = [];
  if (submitted.type !== existing.type) differing.push('type');
  if (submitted.queue !== existing.queue) differing.push('queue');
  if (submitted.concurrencyKey !== existing.concurrencyKey) differing.push('concurrencyKey');
  if (!isDeepStrictEqual(normaliseJson(submitted.payload), existing.payload)) differing.push('payload');
  if (submitted.priority !== existing.priority) differing.push('priority');
  if (submitted.maxAttempts !== existing.maxAttempts) differing.push('maxAttempts');
  if (submitted.timeoutMs !== existing.timeoutMs) differing.push('timeoutMs');
  if (submitted.runAt !== null && submitted.runAt.getTime() !== new Date(existing.runAt).getTime()) {
    differing.push('runAt');
  }
  return differing;
}

/** A value as it comes back from jsonb (what JSON keeps of it); key order does not matter to the comparison. */
function normaliseJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null)) as unknown;
}

/**
 * The refusal (409, naming the key, carrying the holder) of a submission whose key is held by a task it
 * does not describe; undefined when it was stored, or when the holder describes it (the holder is its answer).
 */
export function reusedKeyRefusal(submitted: NewTask, { task, created }: StoredTask): TaskRefusedError | undefined {
  if (created) return undefined;
  const differing = differingFields(submitted, task);
  if (differing.length === 0) return undefined;
  return new TaskRefusedError(
    'IDEMPOTENCY_KEY_REUSED',
    `idempotency key "${task.key}" is already used by task ${task.id} with a different ${differing.join(', ')}`,
    task,
  );
}
