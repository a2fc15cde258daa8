// The thread module of the test-only `isolated-probe` task type (isolated-probe-handlers.ts). Plain
// JavaScript, so a worker thread loads it as it is. `payload.action` says how this attempt behaves.
import { threadId } from 'node:worker_threads';

const untilAborted = (signal) =>
  new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

export async function run(payload, { signal, reportProgress }) {
  switch (payload.action) {
    case 'whoami':
      return { threadId };
    case 'throw': {
      const error = new Error(payload.message);
      error.name = 'ProbeError';
      throw error;
    }
    case 'exhaust-memory': {
      const hoard = [];
      for (;;) hoard.push(new Array(100_000).fill(hoard.length));
    }
    case 'exit':
      process.exit(payload.code);
      break;
    case 'bad-progress':
      try {
        reportProgress(payload.percent);
        return { thrown: null };
      } catch (error) {
        return { thrown: error.name, message: error.message };
      }
    case 'progress-then-wait':
      reportProgress(payload.percent, payload.message);
      return untilAborted(signal);
    case 'wait-for-abort':
      return untilAborted(signal);
    default:
      throw new Error(`unknown action ${payload.action}`);
  }
}
