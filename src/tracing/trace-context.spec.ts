import { INVALID_SPAN_CONTEXT, TraceFlags, createTraceState, trace } from '@opentelemetry/api';
import { contextFromStored, spanContextFromHeaders, storedTraceContextOf } from './trace-context.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

describe('the trace context a task stores', () => {
  it('is the W3C traceparent of a valid span, with its tracestate', () => {
    const span = trace.wrapSpanContext({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      traceState: createTraceState('vendor=abc'),
    });
    expect(storedTraceContextOf(span)).toEqual({
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      tracestate: 'vendor=abc',
    });
  });

  it('is nothing when no tracer provider is registered (the API then hands out invalid spans)', () => {
    expect(storedTraceContextOf(trace.wrapSpanContext(INVALID_SPAN_CONTEXT))).toBeNull();
  });

  it('reads back as the remote parent of the attempt', () => {
    const stored = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-00`, tracestate: 'a=1' };
    expect(trace.getSpanContext(contextFromStored(stored))).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    expect(trace.getSpanContext(contextFromStored(null))).toBeUndefined();
  });
});

describe('a traceparent header', () => {
  it.each([
    ['missing', undefined],
    ['not a string', ['00-a-b-01']],
    ['of an unknown version', `01-${TRACE_ID}-${SPAN_ID}-01`],
    ['with an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['with an all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['cut short', `00-${TRACE_ID}-${SPAN_ID}`],
  ])('%s starts a new trace rather than failing anything', (_, header) => {
    expect(spanContextFromHeaders(header)).toBeUndefined();
  });

  it('continues the caller’s trace, sampled or not', () => {
    expect(spanContextFromHeaders(`00-${TRACE_ID}-${SPAN_ID}-01`)).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
    });
    expect(spanContextFromHeaders(`00-${TRACE_ID}-${SPAN_ID}-00`)?.traceFlags).toBe(TraceFlags.NONE);
  });
});
