import { currentRequestId, withRequestId } from '../logging/request-context.js';
import { GroupCommit } from './group-commit.js';

const refused = Object.assign(new Error('value "40000" is out of range for type smallint'), { code: '22003' });
const unreachable = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

/**
 * A group write that records each group it is given and answers when told (`answerNext`), or at once:
 * by default each item's result is its text upper-cased, "bad" fails the whole write (a value the
 * database refuses), and "mine" is refused on its own (say, an idempotency key reused for another task).
 */
function fakeWrite({ manual = false, answer }: { manual?: boolean; answer?: () => Error | undefined } = {}) {
  const groups: string[][] = [];
  const requestIds: (string | undefined)[] = [];
  const waiting: (() => void)[] = [];
  const write = (items: string[]): Promise<PromiseSettledResult<string>[]> => {
    groups.push(items);
    requestIds.push(currentRequestId());
    const settle = (): PromiseSettledResult<string>[] | Error =>
      answer?.() ??
      (items.includes('bad')
        ? refused
        : items.map((item) =>
            item === 'mine'
              ? { status: 'rejected', reason: new Error('refused on its own') }
              : { status: 'fulfilled', value: item.toUpperCase() },
          ));
    return new Promise((resolve, reject) => {
      const reply = (): void => {
        const settled = settle();
        if (settled instanceof Error) reject(settled);
        else resolve(settled);
      };
      if (manual) waiting.push(reply);
      else queueMicrotask(reply);
    });
  };
  return { groups, requestIds, write, answerNext: () => waiting.shift()?.() };
}

/** Waits until whatever is scheduled now (a group is written on setImmediate) has run. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What an add came to: its result, or its error's message. */
const outcome = (added: Promise<string>): Promise<string> => added.catch((error: Error) => `error: ${error.message}`);

describe('GroupCommit', () => {
  it('writes an idle caller’s item in the next turn of the event loop, with no timer to wait for', async () => {
    const { groups, write, answerNext } = fakeWrite({ manual: true });
    const commit = new GroupCommit(write, 10);
    const added = commit.add('a');
    expect(groups).toEqual([]); // not written inside add(): the items of this same turn may still join
    await nextTurn();
    expect(groups).toEqual([['a']]);
    answerNext();
    expect(await added).toBe('A');
  });

  it('writes the items added in one turn of the event loop together, each answered on its own, in order', async () => {
    const { groups, write } = fakeWrite();
    const commit = new GroupCommit(write, 10);
    expect(await Promise.all(['a', 'b', 'c'].map((item) => commit.add(item)))).toEqual(['A', 'B', 'C']);
    expect(groups).toEqual([['a', 'b', 'c']]);
  });

  it('keeps one write in flight: what arrives meanwhile goes together in the next one', async () => {
    const { groups, write, answerNext } = fakeWrite({ manual: true });
    const commit = new GroupCommit(write, 10);
    const first = commit.add('a');
    await nextTurn();
    const later = [commit.add('b'), commit.add('c')];
    await nextTurn();
    await nextTurn();
    expect(groups).toEqual([['a']]);
    answerNext();
    expect(await first).toBe('A');
    await nextTurn(); // the turn in which the finished write schedules the next one
    await nextTurn();
    expect(groups).toEqual([['a'], ['b', 'c']]);
    answerNext();
    expect(await Promise.all(later)).toEqual(['B', 'C']);
  });

  it('writes at most maxGroup items at once, the rest next, in arrival order', async () => {
    const { groups, write } = fakeWrite();
    const commit = new GroupCommit(write, 2);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((item) => commit.add(item)));
    expect(groups).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('fails only the item its write refused on its own; its neighbours are answered', async () => {
    const { groups, write } = fakeWrite();
    const commit = new GroupCommit(write, 10);
    const outcomes = await Promise.all(['a', 'mine', 'b'].map((item) => outcome(commit.add(item))));
    expect(outcomes).toEqual(['A', 'error: refused on its own', 'B']);
    expect(groups).toEqual([['a', 'mine', 'b']]);
  });

  it('writes each item alone when the whole write fails, so that a bad value fails only its own item', async () => {
    const { groups, write } = fakeWrite();
    const commit = new GroupCommit(write, 10);
    const outcomes = await Promise.all(['a', 'bad', 'b'].map((item) => outcome(commit.add(item))));
    expect(outcomes).toEqual(['A', `error: ${refused.message}`, 'B']);
    expect(groups).toEqual([['a', 'bad', 'b'], ['a'], ['bad'], ['b']]);
  });

  it('fails the whole group at once while the database is unreachable: alone, each would fail the same', async () => {
    const { groups, write } = fakeWrite({ answer: () => unreachable });
    const commit = new GroupCommit(write, 10);
    const outcomes = await Promise.all(['a', 'b'].map((item) => outcome(commit.add(item))));
    expect(outcomes).toEqual(['error: connect ECONNREFUSED', 'error: connect ECONNREFUSED']);
    expect(groups).toEqual([['a', 'b']]);
  });

  it('writes again once a failed group is answered: one failure does not stop the items behind it', async () => {
    let failing = true;
    const { groups, write } = fakeWrite({ answer: () => (failing ? unreachable : undefined) });
    const commit = new GroupCommit(write, 10);
    expect(await outcome(commit.add('a'))).toBe('error: connect ECONNREFUSED');
    failing = false;
    expect(await commit.add('b')).toBe('B');
    expect(groups).toEqual([['a'], ['b']]);
  });

  it('writes outside the request of whoever came first: the write serves the whole group', async () => {
    const { requestIds, write } = fakeWrite();
    const commit = new GroupCommit(write, 10);
    await withRequestId('req-1', () => commit.add('a'));
    expect(requestIds).toEqual([undefined]);
  });
});
