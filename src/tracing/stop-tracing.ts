import { trace } from '@opentelemetry/api';
import type { Task, StoredTraceContext } from '../task-store/task.js';
import { recordError } from './record-error.js';
import { ATTR, messagingOperation } from './span-attributes.js';
import { contextFromStored } from './trace-context.js';
import { TRACER } from './tracer.js';

/** What a stop tells its span once the stop statement has found the task. */
export interface StopTrace {
  requested(task: Task, traceContext: StoredTraceContext | null): void;
}

/**
 * Runs a stop (DELETE /tasks/:id, TaskSystem.stop) in its own `stop <queue>` span, in the caller's trace.
 * The task belongs to another trace, the one its submission started: the span links to it rather than
 * joining it, because one task can be stopped by anyone, any time later. On the replica that runs the
 * task, the attempt's own span gets a `tasksystem.abort` event when its handler is told to stop.
 */
export function traceStop<T extends { task: Task; stopped: boolean }>(
  { id, replicaId }: { id: string; replicaId: string },
  stop: (trace: StopTrace) => Promise<T>,
): Promise<T> {
  const attributes = {
    [ATTR.clientId]: replicaId,
    ...messagingOperation('settle', 'stop'),
    [ATTR.messageId]: id,
  };
  return TRACER.startActiveSpan('stop', { attributes }, async (span) => {
    try {
      const outcome = await stop({
        requested: (task, traceContext) => {
          span.updateName(`stop ${task.queue}`);
          span.setAttributes({ [ATTR.destination]: task.queue, [ATTR.taskType]: task.type });
          const submitted = trace.getSpanContext(contextFromStored(traceContext));
          if (submitted) span.addLink({ context: submitted });
        },
      });
      // `running`: the wait ran out before its handler ended (202); it still ends cancelled.
      span.setAttribute(ATTR.status, outcome.task.status);
      return outcome;
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
