import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { TaskNotificationsService } from '../task-store/task-notifications.service.js';
import { TaskMetrics } from '../metrics/task-metrics.js';
import { outsideAnyRequest, withRequestId } from '../logging/request-context.js';
import { TaskRepository } from '../task-store/task.repository.js';
import type { BufferedClaim, ClaimedTask, InBuffering } from '../task-store/task.repository.js';
import { runAttempt } from './attempt-runner.js';
import type { ClaimRound } from './attempt-trace.js';
import { ClaimBuffer, PREFETCH_HORIZON_MS } from './claim-buffer.js';
import { StartRecorder } from './start-recorder.js';
import { RunningAttempt } from './running-attempt.js';
import type { TaskAbortKind } from './task-abort-reason.js';
import { TaskClaimer } from './task-claimer.js';
import { TaskRunners } from './task-runners.js';
import { TaskOutcomeWriter } from './task-outcome.writer.js';
import { WorkerPresence } from './worker-presence.js';

/**
 * How long a stop for a task this replica does not (yet) run is remembered. The stop's NOTIFY can
 * overtake the reply to the claim of that very task: the DELETE waited for the claim's row lock, so it
 * commits right after the claim, on another connection.
 */
const EARLY_STOP_MEMORY_MS = 10_000;

/**
 * How many attempts beyond its slots a replica holds at most before it starts more, from its buffer or by a
 * claim: those whose handler ended and whose start or outcome is still being written. Outcomes are
 * group-committed, one write in flight, so what piles up during a write goes in the next: a drain of short
 * tasks is bound by that writer, and this bound sets its batches' size (a drain at 5 slots: 15,500 jobs/s
 * with 300, batches of about 130; 18,200 with 1,000, batches of about 240; a second write in flight made
 * smaller batches and ran slower). Without a bound, handlers would end faster than their outcomes are
 * written, in memory (at 500 slots, 10,000 attempts waited for their outcome's write, and collecting their
 * garbage took 13 % of the replica's time).
 */
export const UNWRITTEN_BEYOND_SLOTS = 1000;

/** A buffered task this old (4 × PREFETCH_HORIZON_MS) is handed back at the next poll. */
const STALE_IN_BUFFER_MS = 4 * PREFETCH_HORIZON_MS;

/**
 * Runs tasks in WORKER_CONCURRENCY slots. It claims tasks for its free slots — on a timer
 * (POLL_INTERVAL_MS), when a task is announced `queued`, and whenever a slot frees up — and, while it
 * starts tasks at a brisk pace, a few more ahead into its ClaimBuffer (WORKER_PREFETCH), which it starts
 * as slots free up with one short statement instead of a claim: the claim's round trip then overlaps the
 * running tasks instead of following each. It gives each attempt an AbortSignal, renews the leases of
 * what it holds, and hands each outcome to the TaskOutcomeWriter, which writes it fenced by (worker id,
 * attempt). docs/design.md, "Claiming ahead", says what a crash does at each point.
 */
@Injectable()
export class WorkerSupervisor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerSupervisor.name);
  /**
   * Attempts held here, by task id, each with the promise that settles once its outcome is written.
   * `handlerDone`: its handler has ended and only the outcome write is pending; its slot is free again,
   * so the next claim overlaps the write (a drain otherwise waits for claim and write in turn).
   */
  private readonly running = new Map<
    string,
    { attempt: RunningAttempt; finished: Promise<void>; handlerDone: boolean }
  >();
  private readonly earlyStops = new Map<string, number>();
  /**
   * Tasks a claim took while an attempt of them was still held here (the database had let them go: a lease
   * lost in a stall, or a buffering that expired while its start was being retried). Handed back once, then
   * left out of this replica's claims until that attempt leaves `running`: otherwise each claim would take
   * the task and hand it back again, a statement pair a round trip, for as long as the attempt stops.
   */
  private readonly claimedWhileHeld = new Set<string>();
  /** Entries of `running` whose handler has not ended: kept as a count, read at every start and end. */
  private handlersRunning = 0;
  /**
   * How many handlers run in each slot (index: slot number), kept as they start and end: read at every
   * start, where `running` may hold a thousand attempts whose outcome is being written.
   */
  private readonly handlersInSlot: number[];
  private claimRound: Promise<void> | undefined;
  private claimAgain = false;
  private readonly buffer: ClaimBuffer;
  private readonly starts: StartRecorder;
  /** The heartbeat's period: leases renewed, buffered tasks that waited this long handed back. */
  private readonly heartbeatMs: number;
  private fillScheduled = false;
  /** Writes taking tasks out of the buffer or handing claimed ones back, in flight: shutdown waits for them. */
  private readonly leaving = new Set<Promise<void>>();
  /** Slots promised to a claim in flight: not free, although nothing runs in them yet. */
  private readonly promised = new Set<number>();
  private started = false;
  private pollTimer: NodeJS.Timeout | undefined;
  /** A claim again when a rate limit's window next opens, and when that is (Infinity: none pending). */
  private rateWindow: { timer: NodeJS.Timeout | undefined; at: number } = { timer: undefined, at: Infinity };
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  private readonly onWake = (): void => void this.fillSlots();
  private readonly onStop = (taskId: string): void => this.stop(taskId);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: TaskRepository,
    private readonly notifications: TaskNotificationsService,
    private readonly runners: TaskRunners,
    private readonly outcomes: TaskOutcomeWriter,
    private readonly metrics: TaskMetrics,
    private readonly claimer: TaskClaimer,
    private readonly presence: WorkerPresence,
  ) {
    // WORKER_PREFETCH counts the slots too: a replica with that many slots or more claims nothing ahead,
    // its claims being large enough already.
    this.buffer = new ClaimBuffer(
      Math.max(0, config.workerPrefetch - config.workerConcurrency),
      config.workerConcurrency,
    );
    this.handlersInSlot = new Array<number>(config.workerConcurrency + 1).fill(0);
    this.heartbeatMs = Math.max(100, Math.floor(config.leaseMs / 3));
    this.starts = new StartRecorder(tasks, config.replicaId, config.leaseMs);
  }

  /** How many handlers run here now. */
  get runningCount(): number {
    return this.handlersRunning;
  }

  onApplicationBootstrap(): void {
    if (!this.config.workerEnabled) {
      this.logger.log('worker disabled (WORKER_ENABLED=false): this replica only serves the API');
      return;
    }
    this.notifications.on('wake', this.onWake);
    this.notifications.on('stop', this.onStop);
    this.pollTimer = setInterval(() => {
      // Claims re-read the queues' settings; a full buffer makes none, and its tasks must see a pause too.
      if (this.buffer.size > 0) void this.claimer.refreshSettings().catch(() => undefined);
      // A buffer turns over within about PREFETCH_HORIZON_MS while its slots keep their pace: tasks still
      // there long after wait behind tasks that turned out long, while another replica may be idle.
      void this.leaveBuffer(this.buffer.takeOlderThan(STALE_IN_BUFFER_MS), "its replica's slots are busy");
      this.onWake();
    }, this.config.pollIntervalMs);
    // One timer beats for the leases of the tasks held here, for the buffer (a task buffered a whole beat
    // ago waits behind long tasks: another replica may have room) and for this replica's row in GET /workers.
    this.heartbeatTimer = setInterval(() => {
      void this.renewLeases();
      void this.leaveBuffer(this.buffer.takeOlderThan(this.heartbeatMs), 'it waited a whole heartbeat in the buffer');
      void this.presence.beat();
    }, this.heartbeatMs);
    this.started = true;
    void this.presence.beat();
    this.logger.log(`worker ${this.config.replicaId} started with ${this.config.workerConcurrency} slots`);
    void this.fillSlots();
  }

  /**
   * Shutdown: stop claiming (a claim or start already in flight still lands and its tasks count as
   * running), hand the buffered tasks back to the queue at once, give running attempts SHUTDOWN_GRACE_MS
   * to finish, then abort the rest and hand them back to the queue without counting the attempt.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    this.notifications.off('wake', this.onWake);
    clearInterval(this.pollTimer);
    clearTimeout(this.rateWindow.timer);
    await this.claimRound;
    await this.leaveBuffer(this.buffer.takeAll(), 'the replica is shutting down');
    if (this.running.size > 0) {
      this.logger.log(
        `shutting down: waiting up to ${this.config.shutdownGraceMs} ms for ${this.running.size} task(s)`,
      );
      await withinMs(this.allFinished(), this.config.shutdownGraceMs);
      // Handlers that ended keep their outcome, being written: only those still running are handed back.
      for (const { attempt, handlerDone } of this.running.values())
        if (!handlerDone) this.abort(attempt, 'shutdown', 'replica is shutting down');
      await this.allFinished();
    }
    await this.starts.settled();
    await Promise.all(this.leaving);
    this.notifications.off('stop', this.onStop);
    clearInterval(this.heartbeatTimer);
    await this.presence.leave();
  }

  /** How many handlers of this queue run here now. */
  private runningIn(queue: string): number {
    let count = 0;
    for (const { attempt, handlerDone } of this.running.values())
      if (!handlerDone && attempt.task.queue === queue) count++;
    return count;
  }

  private allFinished(): Promise<unknown> {
    return Promise.all([...this.running.values()].map(({ finished }) => finished));
  }

  /**
   * The free slots: those without a running handler or a claim in flight, as many as UNWRITTEN_BEYOND_SLOTS
   * lets this replica fill while the writes of attempts that ended are pending.
   */
  private freeSlots(): number[] {
    // Slots promised to a claim in flight count too: their tasks join `running` when it lands.
    const room = this.config.workerConcurrency + UNWRITTEN_BEYOND_SLOTS - this.running.size - this.promised.size;
    const free: number[] = [];
    for (let slot = 1; slot <= this.config.workerConcurrency && free.length < room; slot++)
      if (this.handlersInSlot[slot] === 0 && !this.promised.has(slot)) free.push(slot);
    return free;
  }

  /**
   * Fills free slots: from the buffer first (its tasks were claimed earlier, so they come first), then by
   * a claim for the slots the buffer cannot fill, which also tops the buffer up.
   */
  private fillSlots(): Promise<void> {
    this.startFromBuffer();
    return this.claimMore();
  }

  /**
   * Fills slots once the handlers that end in this turn of the event loop have ended: a wave of short
   * tasks then frees its slots together, and one start or claim serves them all.
   */
  private fillSlotsSoon(): void {
    if (this.fillScheduled) return;
    this.fillScheduled = true;
    setImmediate(() => {
      this.fillScheduled = false;
      void this.fillSlots();
    });
  }

  /**
   * Starts buffered tasks in free slots at once, without waiting for the database: StartRecorder records
   * the starts, many per statement, while the handlers run. A task whose queue was paused or limited since
   * it was buffered goes back to the queue instead.
   */
  private startFromBuffer(): void {
    if (this.stopping || this.buffer.size === 0) return;
    // Starts from the buffer do not wait for the database: UNWRITTEN_BEYOND_SLOTS (in freeSlots) bounds how
    // far they run ahead of their writes.
    const free = this.freeSlots();
    if (free.length === 0) return;
    // One that waited a whole heartbeat (a stalled event loop) may be past its buffer's deadline: not started.
    void this.leaveBuffer(this.buffer.takeOlderThan(this.heartbeatMs), 'it waited a whole heartbeat in the buffer');
    const handBack: BufferedClaim[] = [];
    let started = 0;
    while (started < free.length && this.buffer.size > 0) {
      const [{ task }] = this.buffer.take(1);
      if (!this.claimer.mayStartBuffered(task.queue)) {
        handBack.push(task);
        continue;
      }
      this.startBuffered(task, free[started++]);
    }
    this.buffer.started(started);
    void this.leaveBuffer(handBack, 'its queue is paused or limited now');
  }

  /** Runs buffered `task` in `slot` now, as its claim into that slot would have, and has its start recorded. */
  private startBuffered({ buffering, ...task }: BufferedClaim, slot: number): void {
    const now = new Date();
    const attempt = new RunningAttempt(
      {
        ...task,
        status: 'running',
        attempt: task.attempt + 1,
        workerId: `${this.config.replicaId}/${slot}`,
        startedAt: now,
        progress: null,
      },
      { startedAt: now, endedAt: now, claimed: 1 },
    );
    const recording = this.starts.record({
      id: task.id,
      buffering,
      slot,
      attempt: attempt.task.attempt,
      startedAt: attempt.startedAt,
    });
    attempt.recordedBy(
      buffering,
      recording.then(({ recorded }) => recorded),
    );
    void recording.then(({ recorded, stopRequested }) => {
      if (!recorded) this.abort(attempt, 'lease-lost', "no longer in this replica's buffer");
      else if (stopRequested) this.abort(attempt, 'stop', 'stopped on request');
    });
    this.start(attempt);
  }

  /**
   * Takes tasks out of the buffer without starting them: back to the queue (announced: other replicas
   * claim them at once), or cancelled if a stop was asked for them.
   */
  private leaveBuffer(tasks: InBuffering[], why: string): Promise<void> {
    if (tasks.length === 0) return Promise.resolve();
    return this.handingBack(() => this.writeLeave(tasks, why));
  }

  /**
   * Runs a write that hands tasks back: for the tasks it names, not for the request whose task's end set it
   * off; shutdown waits for it (`leaving`).
   */
  private handingBack(write: () => Promise<unknown>): Promise<void> {
    const leaving: Promise<void> = outsideAnyRequest(write)
      .then(() => undefined)
      .finally(() => this.leaving.delete(leaving));
    this.leaving.add(leaving);
    return leaving;
  }

  /**
   * Hands tasks a claim started in slots back to the queue without running them, each fenced by its
   * attempt (RELEASE_TASK: the attempt is not counted, or the task ends `cancelled` if a stop was asked).
   * One that lease recovery already took back is not touched; one whose lease ran out but that recovery
   * has not reached yet is handed back the same way. One statement per task: this happens only after a
   * freeze or a stall of most of a lease.
   */
  private handBackUnstarted(tasks: ClaimedTask[], why: string): Promise<void> {
    if (tasks.length === 0) return Promise.resolve();
    return this.handingBack(() => Promise.all(tasks.map((task) => this.releaseUnstarted(task, why))));
  }

  private async releaseUnstarted(task: ClaimedTask, why: string): Promise<void> {
    try {
      const released = await this.tasks.release({
        id: task.id,
        workerId: task.workerId as string,
        attempt: task.attempt,
      });
      if (released?.status === 'cancelled') this.metrics.finished.inc({ type: task.type, status: 'cancelled' });
      withRequestId(task.requestId, () =>
        this.logger.warn(
          released
            ? `task ${task.id} (${task.type}) handed back unstarted (${released.status}): ${why}`
            : `task ${task.id} (${task.type}) not started (${why}), and no longer held by its claim`,
        ),
      );
    } catch (error) {
      this.logger.warn(`could not hand back task ${task.id}; it returns after LEASE_MS: ${(error as Error).message}`);
    }
  }

  private async writeLeave(tasks: InBuffering[], why: string): Promise<void> {
    try {
      const left = await this.tasks.leaveBuffer(tasks);
      for (const task of left) {
        withRequestId(task.requestId, () =>
          this.logger.log(
            task.status === 'cancelled'
              ? `task ${task.id} (${task.type}) cancelled in the buffer before it started: stopped on request`
              : `task ${task.id} (${task.type}) handed back to the queue from the buffer: ${why}`,
          ),
        );
        if (task.status === 'cancelled') this.metrics.finished.inc({ type: task.type, status: task.status });
      }
    } catch (error) {
      this.logger.warn(
        `could not take ${tasks.length} task(s) out of the buffer (${why}); they return after LEASE_MS: ${(error as Error).message}`,
      );
    }
  }

  /**
   * Claims for the free slots the buffer will not fill, and ahead into the buffer when it ran low. Calls
   * that arrive while a claim is in flight fold into one more round.
   */
  private claimMore(): Promise<void> {
    if (this.claimRound) {
      this.claimAgain = true;
      return this.claimRound;
    }
    // A round serves every slot: it must not run under the request of the task whose end set it off.
    this.claimRound = outsideAnyRequest(() => this.claimRounds()).finally(() => (this.claimRound = undefined));
    return this.claimRound;
  }

  private async claimRounds(): Promise<void> {
    try {
      do {
        this.claimAgain = false;
        // The buffer's tasks go to the first free slots (startFromBuffer); the claim serves the others.
        const free = this.freeSlots();
        const slots = free.slice(0, Math.max(0, free.length - this.buffer.size));
        const ahead = this.buffer.wanted();
        if (this.stopping || (slots.length === 0 && ahead === 0)) return;
        for (const slot of slots) this.promised.add(slot);
        const stopClaimTimer = this.metrics.claimDuration.startTimer();
        const startedAt = new Date();
        const sentAt = performance.now(); // monotonic: a clock step must not fake or hide a late answer
        let claimed: Awaited<ReturnType<TaskClaimer['claim']>>;
        try {
          claimed = await this.claimer.claim(
            this.runners.types,
            slots,
            (queue) => this.runningIn(queue),
            (inMs) => this.claimWhenRateWindowOpens(inMs),
            ahead,
            [...this.claimedWhileHeld],
          );
        } finally {
          for (const slot of slots) this.promised.delete(slot);
        }
        stopClaimTimer();
        const { started, buffered } = claimed;
        const round: ClaimRound = { startedAt, endedAt: new Date(), claimed: started.length };
        const answeredAfterMs = performance.now() - sentAt;
        if (answeredAfterMs > this.config.leaseMs - this.heartbeatMs) {
          // Answered so late (this replica was frozen, or the database stalled) that less than a heartbeat
          // of the claim's leases may be left, or none: another replica may run the tasks to their end
          // meanwhile (chaos saw a handler start 157 ms after its task had failed elsewhere). Handed back
          // unstarted; what the claim buffered is older than a heartbeat too, and goes back at the next start.
          void this.handBackUnstarted(started, 'its claim was answered too late to trust its lease');
        } else {
          // A task an earlier attempt of which is still held here (claimedWhileHeld) is handed back instead of
          // run twice side by side. If that attempt came from a buffering whose start's write is being retried,
          // the retry could even pass for this claim's start, in the same slot at the same attempt count.
          const heldHere = this.stillHeldHere(started);
          void this.handBackUnstarted(heldHere, 'an earlier attempt of it is still held here');
          const fresh = started.filter((task) => !heldHere.includes(task));
          this.buffer.started(fresh.length);
          for (const task of fresh) this.start(new RunningAttempt(task, round));
          // A slow answer (a busy machine): renewed now rather than up to a heartbeat later.
          if (answeredAfterMs > this.heartbeatMs && fresh.length > 0) void this.renewLeases();
        }
        // A stop whose notification overtook this claim's answer: cancelled without starting.
        const stoppedEarly = buffered.filter((task) => this.earlyStops.delete(task.id));
        // A task that runs here already is not started twice. Its attempt started from an earlier buffering,
        // which expired (a stall) and lease recovery emptied before this claim buffered the task again: that
        // attempt's start and outcome, fenced by the earlier buffering's mark, write nothing now, and the
        // attempt is aborted. Not handed back while it may still run: this buffering holds the task until
        // its lease runs out, and lease recovery hands it back then.
        const bufferedAgain = this.stillHeldHere(buffered);
        this.buffer.add(
          buffered.filter((task) => !stoppedEarly.includes(task) && !bufferedAgain.includes(task)),
          startedAt.getTime(),
        );
        void this.leaveBuffer(stoppedEarly, 'stopped on request');
        // Slots that freed up during the claim take from what it buffered.
        if (buffered.length > 0) this.startFromBuffer();
      } while (this.claimAgain);
    } catch (error) {
      this.logger.warn(`claim failed, retrying at the next poll: ${(error as Error).message}`);
    }
  }

  /**
   * Those of the claimed `tasks` an earlier attempt of which is still held here (in `running`), remembered in
   * claimedWhileHeld so that the next claims leave them out.
   */
  private stillHeldHere<T extends ClaimedTask>(tasks: T[]): T[] {
    const held = tasks.filter((task) => this.running.has(task.id));
    for (const task of held) this.claimedWhileHeld.add(task.id);
    return held;
  }

  /**
   * A rate limit held a claim back: claim again as soon as its window lets another task start, not at the
   * next poll, or a rate-limited queue would run well below its limit. One timer, kept for the earliest.
   */
  private claimWhenRateWindowOpens(inMs: number): void {
    const at = Date.now() + inMs;
    if (this.rateWindow.at <= at || this.stopping) return;
    clearTimeout(this.rateWindow.timer);
    // 1 ms past the instant: the window is (now - interval, now], so the start that held it back is then out.
    const timer = setTimeout(
      () => {
        this.rateWindow = { timer: undefined, at: Infinity };
        void this.fillSlots();
      },
      Math.ceil(inMs) + 1,
    );
    this.rateWindow = { timer, at };
  }

  /** Starts the attempt under the request that submitted the task: all it logs, to the outcome, names it. */
  private start(attempt: RunningAttempt): void {
    withRequestId(attempt.requestId, () => this.run(attempt));
  }

  private run(attempt: RunningAttempt): void {
    const { task } = attempt;
    this.logger.log(
      `task ${task.id} (${task.type}) started, attempt ${task.attempt}/${task.maxAttempts} on ${attempt.held.workerId}`,
    );
    const handler = this.runners.of(task.type);
    const entry = { attempt, finished: Promise.resolve(), handlerDone: false };
    const handlerEnded = (): void => {
      if (entry.handlerDone) return;
      entry.handlerDone = true;
      this.handlersInSlot[attempt.slot]--;
      this.metrics.running.set(--this.handlersRunning);
    };
    entry.finished = attempt.trace
      .run(task.type, () =>
        runAttempt(attempt, handler, {
          cancelGraceMs: this.config.cancelGraceMs,
          logger: this.logger,
          // Written once its start is: before that, the row does not show this attempt.
          // Nor once its handler ended before its start was written: the outcome, with the start, clears it.
          saveProgress: async (progress) =>
            (await attempt.recorded) &&
            !attempt.startGoesWithOutcome &&
            this.tasks.saveProgress(attempt.held, progress),
        }),
      )
      .then(async (outcome) => {
        handlerEnded();
        this.fillSlotsSoon();
        // A short task from the buffer: its start, not sent yet, goes with its outcome (one write, not two).
        if (!attempt.isRecorded && attempt.abortKind === undefined && this.starts.withdraw(task.id)) {
          attempt.startGoesWithOutcome = true;
        }
        // An attempt whose start was not recorded is not ours (it was aborted as such): nothing to write.
        if (!(await attempt.recorded)) return undefined;
        return attempt.trace.writeOutcome(attempt.abortKind === 'shutdown', () =>
          this.outcomes.write(attempt, outcome),
        );
      })
      .finally(() => {
        handlerEnded();
        if (this.running.get(task.id) === entry) {
          this.running.delete(task.id);
          this.claimedWhileHeld.delete(task.id); // claimable here again
        }
        // Its writes are done: a replica held back by UNWRITTEN_BEYOND_SLOTS may fill its slots again.
        if (!this.stopping) this.fillSlotsSoon();
      });
    this.running.set(task.id, entry);
    this.handlersInSlot[attempt.slot]++;
    this.metrics.running.set(++this.handlersRunning);
    if (this.earlyStops.delete(task.id)) this.abort(attempt, 'stop', 'stopped on request');
  }

  /** A stop notification: abort the task if it runs here, or remember it in case its claim is still arriving. */
  private stop(taskId: string): void {
    const entry = this.running.get(taskId);
    if (entry) return this.abort(entry.attempt, 'stop', 'stopped on request');
    // Not started yet: it never will be, and ends cancelled without running.
    const buffered = this.buffer.remove(taskId);
    if (buffered) return void this.leaveBuffer([buffered], 'stopped on request');
    const now = Date.now();
    for (const [id, at] of this.earlyStops) if (now - at > EARLY_STOP_MEMORY_MS) this.earlyStops.delete(id);
    this.earlyStops.set(taskId, now);
  }

  private abort(attempt: RunningAttempt, kind: TaskAbortKind, message: string): void {
    if (!attempt.abort(kind, message)) return;
    // Asked by a notification or a heartbeat, which serve every task: logged under the task's own request.
    withRequestId(attempt.requestId, () => this.logger.log(`task ${attempt.task.id}: aborting (${message})`));
  }

  /**
   * The heartbeat: renews the leases of held tasks, and re-reads their stop requests so that a stop
   * whose NOTIFY was missed still arrives within LEASE_MS / 3.
   */
  private async renewLeases(): Promise<void> {
    // Those started from the buffer whose start is not written yet are held by the buffer's lease.
    const attempts = [...this.running.values()]
      .map(({ attempt }) => attempt)
      .filter((attempt) => attempt.isRecorded && !attempt.startGoesWithOutcome);
    if (attempts.length === 0) return;
    try {
      const renewed = await this.tasks.renewLeases(
        attempts.map((attempt) => attempt.held),
        this.config.leaseMs,
      );
      const stillHeld = new Map(renewed.map((row) => [row.id, row.stopRequested]));
      for (const attempt of attempts) {
        // The answer is about the attempts asked for; one that ended meanwhile (and may have been
        // followed by a new attempt of the same task) is none of its business.
        if (this.running.get(attempt.task.id)?.attempt !== attempt) continue;
        const stopRequested = stillHeld.get(attempt.task.id);
        if (stopRequested === undefined) this.abort(attempt, 'lease-lost', 'lease lost');
        else if (stopRequested) this.abort(attempt, 'stop', 'stopped on request');
      }
    } catch (error) {
      this.logger.warn(`lease renewal failed: ${(error as Error).message}`);
    }
  }
}

/** Waits for `work`, but no longer than `ms`; leaves no timer behind either way. */
async function withinMs(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
