/**
 * What runs inside each worker thread of an isolated task type: it imports the type's module once, then
 * runs one task at a time, when the main thread sends it. The handler gets the same TaskContext as an
 * inline one, built here: its own AbortSignal (fired when the main thread relays an abort) and a
 * reportProgress that checks the value here, so a bad call throws inside the handler, then passes it on.
 * This file runs without Nest: it must import nothing that needs the application.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Task } from '../../task-store/task.js';
import { toTaskProgress } from '../progress-reporter.js';
import type { TaskContext } from '../../task-types/task-handler.js';
import { ThreadProgress } from './thread-progress.js';
import { fromErrorData, toErrorData } from './thread-protocol.js';
import type { FromThread, ThreadData, ToThread } from './thread-protocol.js';

type ThreadRun = (payload: unknown, context: TaskContext) => unknown;

const port = parentPort as MessagePort; // this file is only ever started as a worker thread
const { moduleUrl } = workerData as ThreadData;

// A module that fails to load, or has no run(), makes the thread fail with that error, and so its task.
const handlerModule = (await import(moduleUrl)) as { run?: ThreadRun };
if (typeof handlerModule.run !== 'function') {
  throw new TypeError(`${moduleUrl} does not export a function run(payload, context)`);
}
const run = handlerModule.run;

let current: AbortController | undefined;

const post = (message: FromThread): void => port.postMessage(message);

port.on('message', (message: ToThread) => {
  if (message.kind === 'abort') current?.abort(fromErrorData(message.reason));
  else void runTask(message.task);
});

async function runTask(task: Task): Promise<void> {
  const controller = new AbortController();
  current = controller;
  const progress = new ThreadProgress((value) => post({ kind: 'progress', progress: value }));
  const context: TaskContext = {
    task,
    signal: controller.signal,
    reportProgress: (percent, message) => progress.report(toTaskProgress(percent, message)),
  };
  let value: unknown;
  try {
    value = await run(task.payload, context);
  } catch (error) {
    return post({ kind: 'error', error: toErrorData(error) });
  } finally {
    progress.close();
    if (current === controller) current = undefined;
  }
  try {
    post({ kind: 'result', value });
  } catch (error) {
    // A result that cannot be cloned (one holding a function or a symbol) fails the attempt.
    post({
      kind: 'error',
      error: toErrorData(new TypeError(`the result cannot be sent back: ${(error as Error).message}`)),
    });
  }
}
