import type { Task, Waiting, WaitingReason } from './task.js';

/** The figures a read statement gives for a queued task (the `waiting` column of GET_TASK and LIST_TASKS). */
export interface WaitingFacts {
  reason: WaitingReason;
  /** queue-limit, key-limit: tasks running; rate-limited: starts in the window. */
  running: number | null;
  /** The limit that holds it back: concurrency, keyConcurrency, or the rate limit's starts. */
  limit: number | null;
  /** JSON text of a timestamp: runAt, or when the rate limit's window opens. */
  until: string | null;
  position: number | null;
}

/** Beyond this many tasks before it, a position is not counted further (POSITION_IN_LANE). */
export const POSITION_COUNTED_UP_TO = 1000;

/** A row read with its `waiting` column, as the API shows it: `waiting` only on a queued task. */
export function withWaiting(row: Omit<Task, 'waiting'> & { waiting: WaitingFacts | null }): Task {
  const { waiting: facts, ...task } = row;
  return facts ? { ...task, waiting: describeWaiting(task, facts) } : task;
}

function describeWaiting(task: Pick<Task, 'queue' | 'type' | 'concurrencyKey'>, facts: WaitingFacts): Waiting {
  const until = facts.until === null ? undefined : new Date(facts.until);
  const waiting: Waiting = { reason: facts.reason, message: messageOf(task, facts, until) };
  if (until) waiting.until = until;
  if (facts.position !== null) waiting.position = facts.position;
  return waiting;
}

function messageOf(
  { queue, type, concurrencyKey }: Pick<Task, 'queue' | 'type' | 'concurrencyKey'>,
  { reason, running, limit, position }: WaitingFacts,
  until: Date | undefined,
): string {
  const at = until?.toISOString() ?? 'a moment';
  switch (reason) {
    case 'buffered':
      return "claimed ahead by a replica: it starts as soon as one of that replica's slots frees";
    case 'scheduled':
      return `scheduled to run at ${at}`;
    case 'retry-backoff':
      return `a failed attempt is retried at ${at}`;
    case 'queue-paused':
      return `queue ${queue} is paused`;
    case 'no-worker':
      return `no live replica runs task type ${type} in queue ${queue}`;
    case 'queue-limit':
      return `${running} of ${limit} tasks of queue ${queue} are running (concurrency ${limit})`;
    case 'key-limit':
      return `${running} of ${limit} tasks with key ${concurrencyKey} are running (keyConcurrency ${limit})`;
    case 'rate-limited':
      return `the rate limit of queue ${queue} is reached (${running} of ${limit} starts in its interval); the next may start at ${at}`;
    case 'ready':
      return position === null ? 'waiting for a free slot' : `waiting for a free slot, ${placeOf(position)}`;
  }
}

function placeOf(position: number): string {
  if (position === 1) return 'next in its lane';
  const before = position > POSITION_COUNTED_UP_TO ? `${POSITION_COUNTED_UP_TO}+` : String(position - 1);
  return `${before} task${position === 2 ? '' : 's'} before it in its lane`;
}
