import { outsideAnyRequest } from '../logging/request-context.js';
import { isDatabaseUnavailable } from './database-errors.js';

/**
 * Writes a group of items in one statement (or one transaction) and answers for each, in order: its own
 * result, or its own error (`rejected`), which fails that item alone. Throws when the write as a whole
 * failed, and nothing of it was committed.
 */
export type GroupWrite<Item, Result> = (items: Item[]) => Promise<PromiseSettledResult<Result>[]>;

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: callers add items one by one and each gets its own answer, while the items are written
 * many to a round trip and a commit (one WAL flush). One write is in flight at a time; what arrives
 * meanwhile, or in the same turn of the event loop, goes together in the next one, in arrival order.
 * There is no timer: an idle caller's item is written in the next turn (setImmediate), so grouping adds
 * no latency when nothing else is going on, and a busy replica's groups grow with its load by themselves.
 *
 * When a whole write fails, each of its items is written again alone, so that one bad value (text jsonb
 * refuses, a number out of range) fails only its own item. Not while the database is unreachable: alone,
 * each would fail the same, later.
 */
export class GroupCommit<Item, Result> {
  private waiting: Waiting<Item, Result>[] = [];
  private scheduled = false;
  private writing = false;

  /** `maxGroup`: items per write at most, which bounds the size of one statement. */
  constructor(
    private readonly write: GroupWrite<Item, Result>,
    private readonly maxGroup: number,
  ) {}

  /** Resolves with the item's result once its group is committed; rejects with its own error or its group's. */
  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    // The write serves every caller in its group: it must not run (and log) as part of the first one's request.
    outsideAnyRequest(() => setImmediate(() => void this.flush()));
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const group = this.waiting.splice(0, this.maxGroup);
    if (group.length === 0) return;
    this.writing = true;
    try {
      await this.store(group);
    } finally {
      this.writing = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }

  private async store(group: Waiting<Item, Result>[]): Promise<void> {
    let outcomes: PromiseSettledResult<Result>[];
    try {
      outcomes = await this.write(group.map(({ item }) => item));
    } catch (error) {
      if (group.length === 1 || isDatabaseUnavailable(error)) {
        for (const { reject } of group) reject(error);
        return;
      }
      for (const waiting of group) await this.store([waiting]);
      return;
    }
    group.forEach(({ resolve, reject }, index) => {
      const outcome = outcomes[index] as PromiseSettledResult<Result> | undefined;
      if (outcome === undefined)
        reject(new Error(`a group write answered for ${outcomes.length} of ${group.length} items`));
      else if (outcome.status === 'fulfilled') resolve(outcome.value);
      else reject(outcome.reason);
    });
  }
}
