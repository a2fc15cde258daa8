import type { Task } from '../task-store/task.js';
import type { AttemptOutcome, TaskRepository } from '../task-store/task.repository.js';
import { OutcomeBatcher } from './outcome-batcher.js';
import { claimedTask } from './test-support/claimed-task.js';

/** A success of task `id`'s first attempt; `text` stands for its result. */
const outcome = (id: string, text = 'fine'): AttemptOutcome => ({
  held: { id, workerId: 'r/1', attempt: 1 },
  ok: true,
  resultJson: JSON.stringify(text),
});

const jsonbRefuses = Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
const unreachable = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

/**
 * A repository whose finishMany records each statement's outcomes and answers when told (`answerNext`), or
 * at once with `answer`: by default, every task written, except an outcome whose result is "\u0000", which
 * jsonb refuses, failing its whole statement.
 */
function fakeRepository({ manual = false, answer }: { manual?: boolean; answer?: () => Error | undefined } = {}) {
  const statements: string[][] = [];
  const waiting: (() => void)[] = [];
  const finishMany = (outcomes: AttemptOutcome[]): Promise<Task[]> => {
    statements.push(outcomes.map(({ held }) => held.id));
    /** The statement's answer: the tasks written, or the error that failed it. */
    const settle = (): Task[] | Error =>
      answer?.() ??
      (outcomes.some((o) => o.ok && o.resultJson === '"\\u0000"')
        ? jsonbRefuses
        : outcomes.map(({ held }) => claimedTask({ id: held.id, status: 'succeeded' })));
    const reply = (resolve: (tasks: Task[]) => void, reject: (error: Error) => void): void => {
      const settled = settle();
      if (settled instanceof Error) reject(settled);
      else resolve(settled);
    };
    return new Promise((resolve, reject) => {
      if (manual) waiting.push(() => reply(resolve, reject));
      else queueMicrotask(() => reply(resolve, reject));
    });
  };
  return {
    statements,
    /** Lets the oldest statement in flight answer. */
    answerNext: () => waiting.shift()?.(),
    repository: { finishMany } as unknown as TaskRepository,
  };
}

/** Waits until whatever is scheduled now (the batcher flushes on setImmediate) has run. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('OutcomeBatcher', () => {
  it('writes the outcomes that arrive in one turn of the event loop in one statement', async () => {
    const { statements, repository } = fakeRepository();
    const batcher = new OutcomeBatcher(repository);
    const written = await Promise.all(['1', '2', '3'].map((id) => batcher.write(outcome(id))));
    expect(statements).toEqual([['1', '2', '3']]);
    expect(written.map((task) => task?.id)).toEqual(['1', '2', '3']);
  });

  it('keeps one statement in flight: what arrives meanwhile goes in the next one, together', async () => {
    const { statements, answerNext, repository } = fakeRepository({ manual: true });
    const batcher = new OutcomeBatcher(repository);
    const first = batcher.write(outcome('1'));
    await nextTurn();
    const later = [batcher.write(outcome('2')), batcher.write(outcome('3'))];
    await nextTurn();
    expect(statements).toEqual([['1']]);
    answerNext();
    expect((await first)?.id).toBe('1');
    await nextTurn(); // the turn in which the batcher, its statement answered, schedules the next one
    await nextTurn();
    expect(statements).toEqual([['1'], ['2', '3']]);
    answerNext();
    expect((await Promise.all(later)).map((task) => task?.id)).toEqual(['2', '3']);
  });

  it('answers undefined for an attempt the statement did not write: it was no longer held', async () => {
    const repository = { finishMany: () => Promise.resolve([]) } as unknown as TaskRepository;
    expect(await new OutcomeBatcher(repository).write(outcome('1'))).toBeUndefined();
  });

  it('writes at most 500 outcomes per statement', async () => {
    const { statements, repository } = fakeRepository();
    const batcher = new OutcomeBatcher(repository);
    await Promise.all(Array.from({ length: 501 }, (_, i) => batcher.write(outcome(String(i + 1)))));
    expect(statements.map((ids) => ids.length)).toEqual([500, 1]);
  });

  it('falls back to one statement per outcome when a value is refused, so only its own write fails', async () => {
    const { statements, repository } = fakeRepository();
    const batcher = new OutcomeBatcher(repository);
    const writes = [outcome('1'), outcome('2', '\u0000'), outcome('3')].map((pending) =>
      batcher.write(pending).then(
        (task) => task?.status,
        (error: Error) => error.message,
      ),
    );
    expect(await Promise.all(writes)).toEqual(['succeeded', 'unsupported Unicode escape sequence', 'succeeded']);
    expect(statements).toEqual([['1', '2', '3'], ['1'], ['2'], ['3']]);
  });

  it('fails the whole batch at once while the database is unreachable: one by one would fail the same', async () => {
    const { statements, repository } = fakeRepository({ answer: () => unreachable });
    const batcher = new OutcomeBatcher(repository);
    const writes = ['1', '2'].map((id) => batcher.write(outcome(id)).catch((error: Error) => error.message));
    expect(await Promise.all(writes)).toEqual(['connect ECONNREFUSED', 'connect ECONNREFUSED']);
    expect(statements).toEqual([['1', '2']]);
  });
});
