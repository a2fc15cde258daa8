import { EventEmitter } from 'node:events';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { loadConfig } from '../config/app-config.js';
import type { TaskMetrics } from '../metrics/task-metrics.js';
import type { Task } from '../task-store/task.js';
import type { TaskNotificationsService } from '../task-store/task-notifications.service.js';
import type { HeldAttempt, TaskRepository } from '../task-store/task.repository.js';
import type { RunningAttempt } from './running-attempt.js';
import type { TaskAbortReason } from './task-abort-reason.js';
import type { TaskClaimer } from './task-claimer.js';
import type { TaskHandler } from '../task-types/task-handler.js';
import type { TaskRunners } from './task-runners.js';
import type { TaskOutcomeWriter } from './task-outcome.writer.js';
import type { WorkerPresence } from './worker-presence.js';
import { claimedTask } from './test-support/claimed-task.js';
import { UNWRITTEN_BEYOND_SLOTS, WorkerSupervisor } from './worker-supervisor.service.js';

const LEASE_MS = 30_000;
const HEARTBEAT_MS = LEASE_MS / 3;
const POLL_INTERVAL_MS = 1000;
const SHUTDOWN_GRACE_MS = 500;

/** A claim the supervisor asked for, until the test answers it with the tasks the database would have given. */
interface AskedClaim {
  freeSlots: number[];
  ahead: number;
  /** The task ids it was told not to claim. */
  leftOut: string[];
  runningHere: (queue: string) => number;
  /** Answers with the tasks started in slots, and those claimed ahead into the buffer. */
  answer(tasks: Task[], buffered?: Task[]): Promise<void>;
}

/** A write of the starts of buffered tasks (already running), until the test answers which were still ours. */
interface AskedRecord {
  ids: string[];
  slots: number[];
  /** The buffering each start names (its claim's mark). */
  bufferings: string[];
  /** Answers with the ids still in this replica's buffer (default: all); `stopped`: those with a stop asked. */
  answer(recordedIds?: string[], stopped?: string[]): Promise<void>;
}

/** Lets the supervisor go as far as it can without time passing. */
const settle = async (): Promise<void> => {
  // A few rounds: what one round's timers and immediates set off (a group-committed write) runs in the next.
  // Jest's fake clock runs an immediate set inside another one only once time moves on: 1 ms a round.
  await jest.advanceTimersByTimeAsync(0);
  for (let round = 0; round < 3; round++) await jest.advanceTimersByTimeAsync(1);
};

/** Lets the starts of the handlers started from the buffer be sent (StartRecorder: in a later turn). */
const startsDue = (): Promise<void> => settle();

/** Task `id` claimed into `slot`, in `queue`. */
const claimed = (id: string, slot: number, queue = 'default'): Task =>
  claimedTask({ id, queue, workerId: `r/${slot}` });

/** Task `id` claimed ahead into the buffering `buffering` (a claim's mark), with `priority`: still queued, no slot. */
const buffered = (id: string, priority = 0, buffering = 'r#1'): Task & { buffering: string } => ({
  ...claimedTask({ id }),
  status: 'queued',
  priority,
  workerId: null,
  buffering,
});

/**
 * A WorkerSupervisor whose collaborators are fakes the test drives: claims wait for `answer`, handlers run
 * until `end(id)` (or their abort), outcome writes until `finishWrite(id)`. Time is Jest's fake clock.
 */
function supervisorWith({ concurrency = 3, prefetch = 0 }: { concurrency?: number; prefetch?: number } = {}) {
  const config = loadConfig({
    DATABASE_URL: 'postgres://localhost/unused',
    REPLICA_ID: 'r',
    WORKER_CONCURRENCY: String(concurrency),
    WORKER_PREFETCH: String(prefetch),
    POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
    LEASE_MS: String(LEASE_MS),
    SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
  });
  const claims: AskedClaim[] = [];
  const claimer = {
    mayStartBuffered: (queue: string) => queue !== 'paused',
    refreshSettings: () => Promise.resolve(),
    claim: (
      _types: string[],
      freeSlots: number[],
      runningHere: (queue: string) => number,
      _heldBack: unknown,
      ahead = 0,
      leftOut: string[] = [],
    ) =>
      new Promise<{ started: Task[]; buffered: Task[] }>((resolve) =>
        claims.push({
          freeSlots,
          ahead,
          leftOut,
          runningHere,
          answer: (started, claimedAhead = []) => (resolve({ started, buffered: claimedAhead }), settle()),
        }),
      ),
  };
  const records: AskedRecord[] = [];
  const recordStarts = (starts: { id: string; slot: number; buffering: string }[]) =>
    new Promise<{ id: string; stopRequested: boolean }[]>((resolve) => {
      const ids = starts.map((start) => start.id);
      records.push({
        ids,
        slots: starts.map((start) => start.slot),
        bufferings: starts.map((start) => start.buffering),
        answer: (recordedIds = ids, stopped = []) => (
          resolve(recordedIds.map((id) => ({ id, stopRequested: stopped.includes(id) }))),
          settle()
        ),
      });
    });
  /** The ids of each call that took tasks out of the buffer without starting them. */
  const released: string[][] = [];
  /** The same calls, as `id@buffering`: each names the buffering it takes the task out of. */
  const releasedFrom: string[][] = [];
  const leaveBuffer = (tasks: { id: string; buffering: string }[]) => {
    released.push(tasks.map(({ id }) => id));
    releasedFrom.push(tasks.map(({ id, buffering }) => `${id}@${buffering}`));
    return Promise.resolve([]);
  };
  const ends = new Map<string, () => void>();
  const signals = new Map<string, AbortSignal>();
  const handler: TaskHandler = {
    run: (_payload, { task, signal }) => {
      signals.set(task.id, signal);
      return new Promise((resolve, reject) => {
        ends.set(task.id, () => resolve(null));
        signal.addEventListener('abort', () => reject(signal.reason as Error));
      });
    },
  };
  const writes = new Map<string, () => void>();
  /** The attempt of each outcome write asked for. */
  const written = new Map<string, RunningAttempt>();
  const outcomes = {
    write: (attempt: RunningAttempt) =>
      new Promise<void>((resolve) => {
        writes.set(attempt.task.id, resolve);
        written.set(attempt.task.id, attempt);
      }),
  };
  const renewLeases = jest.fn((held: HeldAttempt[]) =>
    Promise.resolve(held.map(({ id }) => ({ id, stopRequested: false }))),
  );
  /** The attempts handed back to the queue unstarted (RELEASE_TASK). */
  const release = jest.fn((held: HeldAttempt) =>
    Promise.resolve({ ...claimedTask({ id: held.id }), status: 'queued' }),
  );
  const notifications = new EventEmitter();
  const supervisor = new WorkerSupervisor(
    config,
    {
      renewLeases,
      recordStarts,
      leaveBuffer,
      release,
      saveProgress: () => Promise.resolve(true),
    } as unknown as TaskRepository,
    notifications as unknown as TaskNotificationsService,
    { types: ['gate'], of: () => handler } as unknown as TaskRunners,
    outcomes as unknown as TaskOutcomeWriter,
    {
      claimDuration: { startTimer: () => () => 0 },
      running: { set: () => undefined },
      finished: { inc: () => undefined },
    } as unknown as TaskMetrics,
    claimer as unknown as TaskClaimer,
    { beat: () => Promise.resolve(), leave: () => Promise.resolve() } as unknown as WorkerPresence,
  );
  return {
    supervisor,
    claims,
    records,
    released,
    releasedFrom,
    /** The task ids whose outcome write was asked for. */
    outcomeWrites: () => [...writes.keys()],
    notifications,
    renewLeases,
    release,
    /** Whether task `id`'s handler was started. */
    ran: (id: string) => signals.has(id),
    /** The AbortSignal of task `id`'s handler. */
    signalOf: (id: string) => signals.get(id)!,
    /** Task `id`'s handler returns. */
    end: async (id: string) => (ends.get(id)!(), settle()),
    /** Task `id`'s handler returns, and nothing else happens yet. */
    endOnly: (id: string) => ends.get(id)!(),
    written,
    /** Task `id`'s outcome is written. */
    finishWrite: async (id: string) => (writes.get(id)!(), settle()),
  };
}

describe('WorkerSupervisor', () => {
  beforeAll(() => {
    Logger.overrideLogger(false); // the supervisor logs every start and stop
  });
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('claims for every free slot when it starts, then only for the slots still free', async () => {
    const { supervisor, claims, notifications } = supervisorWith({ concurrency: 3 });
    supervisor.onApplicationBootstrap();
    expect(claims.map((claim) => claim.freeSlots)).toEqual([[1, 2, 3]]);
    await claims[0].answer([claimed('a', 1), claimed('b', 2)]);
    expect(supervisor.runningCount).toBe(2);
    notifications.emit('wake');
    expect(claims.map((claim) => claim.freeSlots)).toEqual([[1, 2, 3], [3]]);
  });

  it('frees a slot as soon as its handler ends, while the outcome is still written and its lease still renewed', async () => {
    const { supervisor, claims, renewLeases, end, finishWrite } = supervisorWith({ concurrency: 3 });
    supervisor.onApplicationBootstrap();
    await claims[0].answer([claimed('a', 1), claimed('b', 2), claimed('c', 3)]);
    await end('b');
    expect(claims[1].freeSlots).toEqual([2]);
    expect(supervisor.runningCount).toBe(2);
    // Its write still pending, b is still held here: the heartbeat renews its lease with the others'.
    await jest.advanceTimersByTimeAsync(HEARTBEAT_MS);
    const renewedIds = (): string[] => renewLeases.mock.lastCall![0].map(({ id }) => id);
    expect(renewedIds()).toEqual(['a', 'b', 'c']);
    await finishWrite('b');
    await jest.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(renewedIds()).toEqual(['a', 'c']);
  });

  it('tells the claimer how many handlers run in each queue here, leaving out those that ended', async () => {
    const { supervisor, claims, notifications, end } = supervisorWith({ concurrency: 4 });
    supervisor.onApplicationBootstrap();
    await claims[0].answer([claimed('a', 1, 'reports'), claimed('b', 2, 'reports'), claimed('c', 3, 'emails')]);
    notifications.emit('wake');
    const counts = (claim: AskedClaim) => ['reports', 'emails', 'other'].map((queue) => claim.runningHere(queue));
    expect(claims[1].freeSlots).toEqual([4]);
    expect(counts(claims[1])).toEqual([2, 1, 0]);
    await claims[1].answer([]);
    await end('a');
    expect(claims[2].freeSlots).toEqual([1, 4]);
    expect(counts(claims[2])).toEqual([1, 1, 0]);
  });

  it('folds the wake-ups that arrive during a claim into one more claim', async () => {
    const { supervisor, claims, notifications } = supervisorWith();
    supervisor.onApplicationBootstrap();
    for (let i = 0; i < 3; i++) notifications.emit('wake');
    expect(claims).toHaveLength(1);
    await claims[0].answer([]);
    expect(claims).toHaveLength(2);
    await claims[1].answer([]);
    expect(claims).toHaveLength(2);
  });

  it('claims no more while UNWRITTEN_BEYOND_SLOTS attempts beyond its slots wait for their outcome, and again once one is written', async () => {
    const { supervisor, claims, notifications, end, finishWrite } = supervisorWith({ concurrency: 1 });
    supervisor.onApplicationBootstrap();
    const held = 1 + UNWRITTEN_BEYOND_SLOTS;
    for (let i = 0; i < held; i++) {
      await claims[i].answer([claimed(`t${i}`, 1)]);
      await end(`t${i}`); // its slot is free; its outcome write stays pending
    }
    // The last handler's end freed the slot, but the replica holds its slot's worth plus the bound unwritten.
    expect(claims).toHaveLength(held);
    notifications.emit('wake');
    await jest.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
    expect(claims).toHaveLength(held);
    await finishWrite('t0');
    expect(claims).toHaveLength(held + 1);
    expect(claims[held].freeSlots).toEqual([1]);
  });

  it('does not claim while every slot is busy, whatever wakes it', async () => {
    const { supervisor, claims, notifications } = supervisorWith({ concurrency: 2 });
    supervisor.onApplicationBootstrap();
    await claims[0].answer([claimed('a', 1), claimed('b', 2)]);
    notifications.emit('wake');
    await jest.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 3);
    expect(claims).toHaveLength(1);
  });

  it('aborts a running task when its stop arrives, and one whose stop arrived before its claim did', async () => {
    const { supervisor, claims, notifications, signalOf } = supervisorWith();
    supervisor.onApplicationBootstrap();
    await claims[0].answer([claimed('a', 1)]);
    notifications.emit('wake');
    notifications.emit('stop', 'a');
    expect((signalOf('a').reason as TaskAbortReason).kind).toBe('stop');
    // The stop of b overtakes the answer to the claim that took it.
    notifications.emit('stop', 'b');
    await claims[1].answer([claimed('b', 2)]);
    expect((signalOf('b').reason as TaskAbortReason).kind).toBe('stop');
  });

  it('starts the tasks of a slow claim and renews their leases at once', async () => {
    const { supervisor, claims, renewLeases, ran } = supervisorWith({ concurrency: 2 });
    supervisor.onApplicationBootstrap();
    // A busy machine: answered after a heartbeat, with two of them still left on the leases it set.
    await jest.advanceTimersByTimeAsync(HEARTBEAT_MS + 1);
    renewLeases.mockClear();
    await claims[0].answer([claimed('slow', 1)]);
    expect(ran('slow')).toBe(true);
    expect(renewLeases.mock.calls.map(([held]) => held.map(({ id }) => id))).toEqual([['slow']]);
  });

  it('hands back unstarted the tasks of a claim answered with less than a heartbeat left on its leases', async () => {
    const { supervisor, claims, release, ran } = supervisorWith({ concurrency: 2 });
    supervisor.onApplicationBootstrap();
    // Frozen, or the database stalled: the leases the claim set may have run out since.
    await jest.advanceTimersByTimeAsync(LEASE_MS - HEARTBEAT_MS + 1);
    await claims[0].answer([claimed('late', 1)]);
    expect(ran('late')).toBe(false);
    expect(release.mock.calls.map(([held]) => held)).toEqual([{ id: 'late', workerId: 'r/1', attempt: 1 }]);
    // Its slot is free: the next claim may take it.
    expect(claims.at(-1)!.freeSlots).toEqual([1, 2]);
    await claims.at(-1)!.answer([claimed('prompt', 1)]);
    expect(ran('prompt')).toBe(true);
  });

  it('at shutdown stops claiming, gives running handlers SHUTDOWN_GRACE_MS, then aborts them and waits for their writes', async () => {
    const { supervisor, claims, notifications, signalOf, finishWrite } = supervisorWith({ concurrency: 2 });
    supervisor.onApplicationBootstrap();
    await claims[0].answer([claimed('a', 1)]);
    let stopped = false;
    void supervisor.beforeApplicationShutdown().then(() => (stopped = true));
    notifications.emit('wake');
    await jest.advanceTimersByTimeAsync(SHUTDOWN_GRACE_MS - 1);
    expect(claims).toHaveLength(1);
    expect(signalOf('a').aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect((signalOf('a').reason as TaskAbortReason).kind).toBe('shutdown');
    expect(stopped).toBe(false);
    await finishWrite('a');
    expect(stopped).toBe(true);
  });
  describe('with a claim buffer (WORKER_PREFETCH)', () => {
    /** A replica with one slot busy with `b` and `ids` in its buffer (after `a` set the pace). */
    async function withBuffered(ids: string[]) {
      const harness = supervisorWith({ concurrency: 1, prefetch: 10 });
      harness.supervisor.onApplicationBootstrap();
      await harness.claims[0].answer([claimed('a', 1)]);
      await harness.end('a');
      await harness.claims[1].answer(
        [claimed('b', 1)],
        ids.map((id) => buffered(id)),
      );
      return harness;
    }

    it('claims ahead only once its slots turn over: what started lately beyond one task per slot', async () => {
      const { supervisor, claims, end } = supervisorWith({ concurrency: 2, prefetch: 10 });
      supervisor.onApplicationBootstrap();
      expect(claims[0]).toMatchObject({ freeSlots: [1, 2], ahead: 0 });
      await claims[0].answer([claimed('a', 1), claimed('b', 2)]);
      await end('a');
      expect(claims[1]).toMatchObject({ freeSlots: [1], ahead: 0 }); // 2 starts, 2 slots: no turnover yet
      await claims[1].answer([claimed('c', 1)]);
      await end('c');
      expect(claims[2]).toMatchObject({ freeSlots: [1], ahead: 1 });
    });

    it('starts the best buffered task in a freed slot at once, and records its start without a claim', async () => {
      const { supervisor, claims, records, end, signalOf } = await withBuffered(['c', 'd']);
      await end('b');
      expect(signalOf('c').aborted).toBe(false); // running already, its start not yet written
      expect(supervisor.runningCount).toBe(1);
      await startsDue();
      expect(records.map(({ ids, slots }) => [ids, slots])).toEqual([[['c'], [1]]]);
      expect(claims.slice(2).every((claim) => claim.freeSlots.length === 0)).toBe(true);
    });

    it('writes the outcome of a buffered task only once its start is recorded', async () => {
      const { records, end, outcomeWrites } = await withBuffered(['c']);
      await end('b');
      await startsDue();
      await end('c');
      expect(outcomeWrites()).not.toContain('c');
      await records[0].answer();
      expect(outcomeWrites()).toContain('c');
    });

    it('writes the start of a short buffered task with its outcome, when its handler ended before the start was sent', async () => {
      const { records, endOnly, signalOf, written } = await withBuffered(['c']);
      endOnly('b');
      await jest.advanceTimersByTimeAsync(0); // b's slot is filled: c starts; its start is sent in a later turn
      expect(signalOf('c').aborted).toBe(false);
      endOnly('c');
      await settle();
      expect(records).toEqual([]);
      expect(written.get('c')?.startGoesWithOutcome).toBe(true);
    });

    it('names the buffering each task came from in every write of it: hand-back, start with its outcome, start', async () => {
      const harness = supervisorWith({ concurrency: 1, prefetch: 10 });
      harness.supervisor.onApplicationBootstrap();
      await harness.claims[0].answer([claimed('a', 1)]);
      await harness.end('a');
      const bufferedAsR2 = ['c', 'd', 'e'].map((id) => buffered(id, 0, 'r#2'));
      await harness.claims[1].answer([claimed('b', 1)], bufferedAsR2);
      harness.notifications.emit('stop', 'e');
      expect(harness.releasedFrom).toEqual([['e@r#2']]);
      harness.endOnly('b');
      await jest.advanceTimersByTimeAsync(0); // c starts; its start is sent in a later turn
      harness.endOnly('c'); // before that: its start goes with its outcome
      await settle();
      expect(harness.written.get('c')).toMatchObject({ startGoesWithOutcome: true, buffering: 'r#2' });
      expect(harness.written.get('c')?.task).not.toHaveProperty('buffering'); // the handler sees the task alone
      await startsDue(); // d started in c's slot: its start is sent
      expect(harness.records).toEqual([expect.objectContaining({ ids: ['d'], bufferings: ['r#2'] })]);
    });

    it('does not start a task a later claim buffered again while its attempt from an earlier buffering runs here', async () => {
      const { claims, notifications, end, endOnly, signalOf, ran, release, released } = await withBuffered(['c']);
      endOnly('b');
      await jest.advanceTimersByTimeAsync(0); // c starts from buffering r#1 in slot 1
      const firstRun = signalOf('c');
      // A stall: lease recovery emptied r#1, and this replica's next claim buffers c again, as r#2, with x.
      notifications.emit('wake');
      const claim = claims.at(-1)!;
      await claim.answer([], [buffered('c', 0, 'r#2'), buffered('x', 0, 'r#2')]);
      await end('c'); // slot 1 free again: x starts from the buffer, c does not run again
      expect(claims.at(-1)!.leftOut).toEqual(['c']); // nor is it claimed here while that attempt is held
      expect(ran('x')).toBe(true);
      expect(signalOf('c')).toBe(firstRun);
      expect(released).toEqual([]); // held by r#2 until lease recovery hands it back: its first attempt ran on
      expect(release).not.toHaveBeenCalled();
    });

    it('hands back, unstarted, a task claimed into a slot while its attempt from the buffer waits for its start to be written, and claims it no more until that attempt is gone', async () => {
      const { claims, records, endOnly, signalOf, release } = await withBuffered(['c']);
      endOnly('b');
      await jest.advanceTimersByTimeAsync(0); // c starts from the buffer
      const firstRun = signalOf('c');
      await startsDue(); // its start is being written (a failing database: retried for a lease)
      expect(records).toHaveLength(1);
      endOnly('c');
      await settle(); // its slot is free; its outcome waits for its start
      // Lease recovery took c back meanwhile, and this replica's claim takes it straight into the free slot.
      await claims.at(-1)!.answer([claimed('c', 1)]);
      expect(signalOf('c')).toBe(firstRun); // not run a second time
      expect(release).toHaveBeenCalledWith({ id: 'c', workerId: 'r/1', attempt: 1 });
      expect(claims.at(-1)!.leftOut).toEqual(['c']); // the next claim leaves it out
      await claims.at(-1)!.answer([]);
      await records[0].answer([]); // c's first attempt: its start found the task no longer in its buffer
      await jest.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
      expect(claims.at(-1)!.leftOut).toEqual([]);
    });

    it('aborts a started buffered task that was no longer ours, and writes no outcome for it', async () => {
      const { records, end, signalOf, outcomeWrites } = await withBuffered(['c']);
      await end('b');
      await startsDue();
      await records[0].answer([]);
      expect((signalOf('c').reason as TaskAbortReason).kind).toBe('lease-lost');
      expect(outcomeWrites()).not.toContain('c');
    });

    it('aborts a started buffered task whose stop it missed, as soon as its start is recorded', async () => {
      const { records, end, signalOf } = await withBuffered(['c']);
      await end('b');
      await startsDue();
      await records[0].answer(['c'], ['c']);
      expect((signalOf('c').reason as TaskAbortReason).kind).toBe('stop');
    });

    it('cancels a buffered task on its stop, never running it', async () => {
      const { notifications, released, end, signalOf } = await withBuffered(['c', 'd']);
      notifications.emit('stop', 'c');
      expect(released).toEqual([['c']]);
      await end('b');
      expect(signalOf('c')).toBeUndefined();
      expect(signalOf('d').aborted).toBe(false);
    });

    it('hands a buffered task back instead of starting it when its queue is paused now', async () => {
      const harness = supervisorWith({ concurrency: 1, prefetch: 10 });
      harness.supervisor.onApplicationBootstrap();
      await harness.claims[0].answer([claimed('a', 1)]);
      await harness.end('a');
      await harness.claims[1].answer([claimed('b', 1)], [{ ...buffered('c'), queue: 'paused' }, buffered('d')]);
      await harness.end('b');
      expect(harness.released).toEqual([['c']]);
      expect(harness.signalOf('c')).toBeUndefined();
      expect(harness.signalOf('d').aborted).toBe(false);
    });

    it('hands the buffer back at once at shutdown, before waiting for running tasks', async () => {
      const { supervisor, released } = await withBuffered(['c', 'd']);
      void supervisor.beforeApplicationShutdown();
      await settle();
      expect(released).toEqual([['c', 'd']]);
    });

    it('does not start a buffered task older than a heartbeat (a stalled replica): it hands it back', async () => {
      const { released, end, signalOf } = await withBuffered(['c']);
      // A stall: the clock moves on, no timer fires meanwhile.
      jest.setSystemTime(Date.now() + HEARTBEAT_MS * 1.5);
      expect(released).toEqual([]);
      await end('b');
      expect(signalOf('c')).toBeUndefined();
      expect(released).toEqual([['c']]);
    });

    it('hands back, at a poll, tasks that waited over a second in the buffer behind busy slots', async () => {
      const { released } = await withBuffered(['c']);
      await jest.advanceTimersByTimeAsync(POLL_INTERVAL_MS / 2);
      expect(released).toEqual([]);
      await jest.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 2);
      expect(released).toEqual([['c']]);
    });
  });
});
