import { SpanStatusCode } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { ATTR } from './span-attributes.js';

/** Marks a span failed by `error`: its `exception` event, `error.type`, and an error status with its message. */
export function recordError(span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : new Error(String(error));
  span.recordException(exception);
  span.setAttribute(ATTR.errorType, exception.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
}
