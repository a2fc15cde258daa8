import type { Task } from './task.js';
import { withWaiting } from './waiting.js';
import type { WaitingFacts } from './waiting.js';

const row = (status: Task['status'], waiting: WaitingFacts | null) =>
  ({ id: '7', type: 'sleep', queue: 'reports', concurrencyKey: 'tenant-7', status, waiting }) as unknown as Omit<
    Task,
    'waiting'
  > & { waiting: WaitingFacts | null };

const facts = (fields: Partial<WaitingFacts>): WaitingFacts => ({
  reason: 'ready',
  running: null,
  limit: null,
  until: null,
  position: null,
  ...fields,
});

describe('withWaiting', () => {
  it('leaves a task that is not queued without waiting', () => {
    expect(withWaiting(row('running', null))).not.toHaveProperty('waiting');
  });

  it('names the figures of a limit', () => {
    expect(withWaiting(row('queued', facts({ reason: 'key-limit', running: 2, limit: 2 }))).waiting).toEqual({
      reason: 'key-limit',
      message: '2 of 2 tasks with key tenant-7 are running (keyConcurrency 2)',
    });
  });

  it('reads until as an instant, as PostgreSQL writes it in JSON (microseconds, an offset)', () => {
    const { waiting } = withWaiting(
      row('queued', facts({ reason: 'scheduled', until: '2030-01-02T03:04:05.123456+00:00' })),
    );
    expect(waiting?.until).toEqual(new Date('2030-01-02T03:04:05.123Z'));
    expect(waiting?.message).toBe('scheduled to run at 2030-01-02T03:04:05.123Z');
  });

  it('says where a ready task stands in its lane, up to 1,000 before it', () => {
    const place = (position: number) => withWaiting(row('queued', facts({ position }))).waiting?.message;
    expect(place(1)).toBe('waiting for a free slot, next in its lane');
    expect(place(2)).toBe('waiting for a free slot, 1 task before it in its lane');
    expect(place(1000)).toBe('waiting for a free slot, 999 tasks before it in its lane');
    expect(place(1001)).toBe('waiting for a free slot, 1000+ tasks before it in its lane');
  });
});
