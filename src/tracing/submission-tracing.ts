import { SpanKind } from '@opentelemetry/api';
import type { StoredTraceContext } from '../task-store/task.js';
import { recordError } from './record-error.js';
import { ATTR, messagingOperation } from './span-attributes.js';
import { storedTraceContextOf } from './trace-context.js';
import { TRACER } from './tracer.js';

/**
 * Runs a submission in its `submit <queue>` span (a PRODUCER span, child of whatever span is active: the
 * caller's `traceparent` over HTTP, the embedding application's own span in process, none for a schedule)
 * and hands `insert` that span's context to store with the tasks. Their attempts, wherever they run, are
 * then children of this span. One span per statement, a batch included: the tasks were submitted together.
 */
export function traceSubmission<T>(
  { queues, replicaId }: { queues: readonly string[]; replicaId: string },
  insert: (traceContext: StoredTraceContext | null) => Promise<T>,
  submittedIds: (submitted: T) => string[],
): Promise<T> {
  const distinct = [...new Set(queues)];
  const queue = distinct.length === 1 ? distinct[0] : undefined;
  const attributes = {
    ...messagingOperation('send', 'submit'),
    [ATTR.clientId]: replicaId,
    ...(queue === undefined ? {} : { [ATTR.destination]: queue }),
    ...(queues.length > 1 ? { [ATTR.batchCount]: queues.length } : {}),
  };
  const name = queue === undefined ? 'submit' : `submit ${queue}`;
  return TRACER.startActiveSpan(name, { kind: SpanKind.PRODUCER, attributes }, async (span) => {
    try {
      const submitted = await insert(storedTraceContextOf(span));
      const ids = submittedIds(submitted);
      if (ids.length === 1) span.setAttribute(ATTR.messageId, ids[0]);
      return submitted;
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
