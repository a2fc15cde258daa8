import { jest } from '@jest/globals';
import { loadConfig } from '../config/app-config.js';
import type { QueueSettingsRepository } from '../queues/queue-settings.repository.js';
import type { Task } from '../task-store/task.js';
import type { Claim, TaskRepository } from '../task-store/task.repository.js';
import { TaskClaimer } from './task-claimer.js';
import { claimedTask } from './test-support/claimed-task.js';
import type { Database } from '../database/database.js';

const POLL_INTERVAL_MS = 1000;

/** One claim statement the claimer ran: from one queue within its room, or from every other queue. */
type Statement =
  { fromQueue: string; slots: number[] } | { fromQueues: string[] | null; leavingOut: string[]; slots: number[] };

/**
 * A TaskClaimer over a fake repository that records each claim statement and takes, for each, the number of
 * tasks `available` says (all offered slots by default), in the first slots offered. The SQL that does the
 * real claiming is tested against PostgreSQL in test/.
 */
function claimerWith({
  workerQueues,
  clusterLimited = [],
  rateLimited = [],
  available = () => Infinity,
}: {
  workerQueues?: string;
  clusterLimited?: string[];
  /** Queues with a rate limit whose window lets the next task start in 250 ms. */
  rateLimited?: string[];
  available?: (queue: string | null) => number;
}) {
  const statements: Statement[] = [];
  /** Every claim handed to the repository, as it was. */
  const claims: Claim[] = [];
  const take = (claim: Claim, queue: string | null): Promise<Task[]> => (
    claims.push(claim),
    Promise.resolve(
      claim.freeSlots
        .slice(0, available(queue))
        .map((slot) => claimedTask({ id: `${queue}-${slot}`, queue: queue ?? 'default', workerId: `r/${slot}` })),
    )
  );
  const tasks = {
    claimFromQueue: (claim: Claim, queue: string) => {
      statements.push({ fromQueue: queue, slots: claim.freeSlots });
      return take(claim, queue);
    },
    nextRateWindow: (queue: string) => Promise.resolve(rateLimited.includes(queue) ? 250 : null),
    claim: async (claim: Claim, queues: string[] | null, ownLimitQueues: string[]) => {
      statements.push({ fromQueues: queues, leavingOut: ownLimitQueues, slots: claim.freeSlots });
      return { started: await take(claim, null), buffered: [] };
    },
  };
  const list = jest.fn(() =>
    Promise.resolve([
      ...clusterLimited.map((name) => ({ name, concurrency: 2, keyConcurrency: null, rateLimit: null })),
      ...rateLimited.map((name) => ({
        name,
        concurrency: null,
        keyConcurrency: null,
        rateLimit: { limit: 1, intervalMs: 1000, perKey: false },
      })),
      { name: 'unlimited', concurrency: null, keyConcurrency: null, rateLimit: null },
    ]),
  );
  const config = loadConfig({
    DATABASE_URL: 'postgres://localhost/unused',
    POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
    REPLICA_ID: 'r',
    ...(workerQueues ? { WORKER_QUEUES: workerQueues } : {}),
  });
  // A claim from one queue runs in a transaction of its own; here, one that only hands the work on.
  const db = { transaction: <T>(work: (tx: object) => Promise<T>) => work({}) };
  const claimer = new TaskClaimer(
    config,
    db as unknown as Database,
    tasks as unknown as TaskRepository,
    { list } as unknown as QueueSettingsRepository,
  );
  return { claimer, statements, claims, settingsReads: list };
}

const nothingRunsHere = (): number => 0;

describe('TaskClaimer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('without limits, claims every free slot from every queue in one statement', async () => {
    const { claimer, statements } = claimerWith({});
    const { started: claimed } = await claimer.claim(['gate'], [1, 2, 3], nothingRunsHere);
    expect(statements).toEqual([{ fromQueues: null, leavingOut: [], slots: [1, 2, 3] }]);
    expect(claimed.map((task) => task.workerId)).toEqual(['r/1', 'r/2', 'r/3']);
  });

  it('offers a queue with a limit of its own only its room (limit minus what runs here), and the rest to the others', async () => {
    const { claimer, statements } = claimerWith({ workerQueues: 'own:2,shared' });
    await claimer.claim(['gate'], [2, 3, 4, 5], (queue) => (queue === 'own' ? 1 : 0));
    expect(statements).toEqual([
      { fromQueue: 'own', slots: [2] },
      { fromQueues: ['own', 'shared'], leavingOut: ['own'], slots: [3, 4, 5] },
    ]);
  });

  it('hands the task ids to leave out, and one buffering mark per claim, to every statement of the claim', async () => {
    const { claimer, claims } = claimerWith({ workerQueues: 'own:3,shared' });
    await claimer.claim(['gate'], [1, 2, 3, 4], nothingRunsHere, undefined, 0, ['7']);
    await claimer.claim(['gate'], [1], nothingRunsHere); // its queue of its own fills the slot: one statement
    expect(claims.map(({ leftOut, buffering }) => [leftOut, buffering])).toEqual([
      [['7'], 'r#1'],
      [['7'], 'r#1'],
      [[], 'r#2'],
    ]);
  });

  it('gives the slots a limited queue did not use back to the other queues', async () => {
    const { claimer, statements } = claimerWith({
      workerQueues: 'own:3,shared',
      available: (queue) => (queue === 'own' ? 1 : Infinity),
    });
    const { started: claimed } = await claimer.claim(['gate'], [1, 2, 3, 4], nothingRunsHere);
    expect(statements).toEqual([
      { fromQueue: 'own', slots: [1, 2, 3] },
      { fromQueues: ['own', 'shared'], leavingOut: ['own'], slots: [2, 3, 4] },
    ]);
    expect(claimed.map((task) => task.workerId)).toEqual(['r/1', 'r/2', 'r/3', 'r/4']);
  });

  it('does not claim from a queue already at its limit here', async () => {
    const { claimer, statements } = claimerWith({ workerQueues: 'own:2,shared' });
    await claimer.claim(['gate'], [3], (queue) => (queue === 'own' ? 2 : 0));
    expect(statements).toEqual([{ fromQueues: ['own', 'shared'], leavingOut: ['own'], slots: [3] }]);
  });

  it('claims queues with a cluster-wide limit one by one, in name order, before the rest', async () => {
    const { claimer, statements } = claimerWith({
      clusterLimited: ['reports', 'emails'],
      available: (queue) => (queue === null ? Infinity : 1),
    });
    await claimer.claim(['gate'], [1, 2, 3, 4], nothingRunsHere);
    expect(statements).toEqual([
      { fromQueue: 'emails', slots: [1, 2, 3, 4] },
      { fromQueue: 'reports', slots: [2, 3, 4] },
      { fromQueues: null, leavingOut: [], slots: [3, 4] },
    ]);
  });

  it('leaves out the cluster-limited queues a replica with WORKER_QUEUES does not work', async () => {
    const { claimer, statements } = claimerWith({ workerQueues: 'emails', clusterLimited: ['reports', 'emails'] });
    await claimer.claim(['gate'], [1], nothingRunsHere);
    expect(statements).toEqual([{ fromQueue: 'emails', slots: [1] }]);
  });

  it('reads which queues have a cluster-wide limit at most once per POLL_INTERVAL_MS', async () => {
    const { claimer, settingsReads } = claimerWith({ clusterLimited: ['reports'] });
    await claimer.claim(['gate'], [1], nothingRunsHere);
    jest.advanceTimersByTime(POLL_INTERVAL_MS - 1);
    await claimer.claim(['gate'], [1], nothingRunsHere);
    expect(settingsReads).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    await claimer.claim(['gate'], [1], nothingRunsHere);
    expect(settingsReads).toHaveBeenCalledTimes(2);
  });

  it('says when a rate limit left slots empty that its queue could fill, and when its window opens', async () => {
    const { claimer, statements } = claimerWith({
      rateLimited: ['metered'],
      available: (queue) => (queue === 'metered' ? 1 : 0),
    });
    const heldBack: number[] = [];
    await claimer.claim(['gate'], [1, 2, 3], nothingRunsHere, (inMs) => heldBack.push(inMs));
    expect(statements[0]).toEqual({ fromQueue: 'metered', slots: [1, 2, 3] });
    expect(heldBack).toEqual([250]);
  });

  it('does not ask about the window when the rate-limited queue took every slot offered', async () => {
    const { claimer } = claimerWith({ rateLimited: ['metered'] });
    const heldBack: number[] = [];
    await claimer.claim(['gate'], [1, 2], nothingRunsHere, (inMs) => heldBack.push(inMs));
    expect(heldBack).toEqual([]);
  });
});
