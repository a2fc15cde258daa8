import { ROOT_CONTEXT, TraceFlags, createTraceState, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Context, Span, SpanContext } from '@opentelemetry/api';
import type { StoredTraceContext } from '../task-store/task.js';

/** `00-<trace id>-<span id>-<flags>`: version 00, the only one W3C Trace Context defines so far. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The span's context to store with a task, or null when there is nothing to continue: no tracer provider is
 * registered (the API's spans are then invalid), so a task costs no bytes when tracing is off.
 */
export function storedTraceContextOf(span: Span): StoredTraceContext | null {
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return null;
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  const traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
  const tracestate = spanContext.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/**
 * The remote span context that W3C headers describe, or undefined when `traceparent` is missing or
 * malformed (a bad header starts a new trace, as the W3C recommendation says, rather than failing anything).
 * Parsed here, with @opentelemetry/api alone, rather than by the global propagator: an application that
 * embeds us may have registered another one (B3, Jaeger), and what we store is W3C whatever it chose.
 */
export function spanContextFromHeaders(traceparent: unknown, tracestate?: unknown): SpanContext | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match;
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(typeof tracestate === 'string' && tracestate.trim() !== '' ? { traceState: createTraceState(tracestate) } : {}),
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The context in which a stored task's work continues its trace: ROOT_CONTEXT when it has none. */
export function contextFromStored(stored: StoredTraceContext | null): Context {
  const spanContext = stored && spanContextFromHeaders(stored.traceparent, stored.tracestate);
  return spanContext ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}
