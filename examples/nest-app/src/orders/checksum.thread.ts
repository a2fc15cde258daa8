import { createHash } from 'node:crypto';
import type { TaskContext } from 'tasksystem';

/** Runs in a worker thread, without Nest: the SHA-256 of the text, hashed `rounds` times. */
export function run(
  { text, rounds = 1 }: { text: string; rounds?: number },
  { signal }: TaskContext,
): { sha256: string } {
  let digest = text;
  for (let round = 0; round < rounds; round++) {
    signal.throwIfAborted();
    digest = createHash('sha256').update(digest).digest('hex');
  }
  return { sha256: digest };
}
