import { trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';

/**
 * TaskSystem's tracer, from whatever tracer provider is registered globally: the service's own (main.ts,
 * when OTEL_* asks for one), or the embedding application's SDK. With none, the API hands out spans that
 * record nothing, at the cost of a few allocations. Asked for at each use, not kept: the API's proxy
 * would pick up a provider registered later, but a lookup per span is cheap and obviously right.
 */
export function tracer(): Tracer {
  return trace.getTracer('tasksystem');
}
