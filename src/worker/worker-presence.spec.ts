import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { loadConfig } from '../config/app-config.js';
import type { WorkerDescription } from '../workers/worker.js';
import type { WorkersRepository } from '../workers/workers.repository.js';
import type { TaskRunners } from './task-runners.js';
import { WorkerPresence } from './worker-presence.js';

/**
 * A WorkerPresence whose table is a fake the test drives: each heartbeat waits for `landBeat()` (or fails,
 * after `failNextBeat`), and the fake records the order in which the writes reached the table.
 */
function presenceWith(environment: Record<string, string> = {}) {
  const config = loadConfig({ DATABASE_URL: 'postgres://localhost/unused', REPLICA_ID: 'r', ...environment });
  const written: string[] = [];
  const described: WorkerDescription[] = [];
  const pendingBeats: (() => void)[] = [];
  let failure: Error | undefined;
  const workers = {
    heartbeat: (worker: WorkerDescription) =>
      new Promise<void>((land, fail) => {
        described.push(worker);
        if (failure) {
          fail(failure);
          failure = undefined;
          return;
        }
        pendingBeats.push(() => {
          written.push('beat');
          land();
        });
      }),
    markGone: (id: string) => {
      written.push(`gone ${id}`);
      return Promise.resolve();
    },
  };
  const runners = { types: ['sleep', 'demo'] } as unknown as TaskRunners;
  const presence = new WorkerPresence(config, runners, workers as unknown as WorkersRepository);
  return {
    presence,
    written,
    described,
    landBeat: () => pendingBeats.shift()?.(),
    failNextBeat: (error: Error) => (failure = error),
  };
}

describe('WorkerPresence', () => {
  const warn = jest.spyOn(Logger.prototype, 'warn');
  beforeEach(() => warn.mockReset().mockImplementation(() => undefined));
  afterAll(() => warn.mockRestore());

  it('describes the replica: its id, types, slots, queues and own limits, lease, process and version', async () => {
    const { presence, described, landBeat } = presenceWith({
      WORKER_CONCURRENCY: '7',
      WORKER_QUEUES: 'reports:2,default',
      LEASE_MS: '9000',
    });
    const beat = presence.beat();
    landBeat();
    await beat;
    expect(described[0]).toMatchObject({
      id: 'r',
      pid: process.pid,
      taskTypes: ['demo', 'sleep'],
      slots: 7,
      queues: ['default', 'reports'],
      queueLimits: { reports: 2 },
      leaseMs: 9000,
    });
    expect(described[0].version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('marks the replica gone only after a beat in flight has landed, and beats no more after', async () => {
    const { presence, written, landBeat } = presenceWith();
    void presence.beat();
    const leaving = presence.leave();
    await Promise.resolve();
    expect(written).toEqual([]);
    landBeat();
    await leaving;
    expect(written).toEqual(['beat', 'gone r']);
    await presence.beat();
    expect(written).toEqual(['beat', 'gone r']);
  });

  it('folds a beat asked while one is in flight into it', async () => {
    const { presence, described, landBeat } = presenceWith();
    const first = presence.beat();
    expect(presence.beat()).toBe(first);
    landBeat();
    await first;
    expect(described).toHaveLength(1);
  });

  it('logs a beat that fails instead of throwing: the next beat tries again', async () => {
    const { presence, failNextBeat, described, landBeat } = presenceWith();
    failNextBeat(new Error('connection refused'));
    await presence.beat();
    expect(warn).toHaveBeenCalledWith('worker heartbeat failed: connection refused');
    const next = presence.beat();
    landBeat();
    await next;
    expect(described).toHaveLength(2);
  });
});
