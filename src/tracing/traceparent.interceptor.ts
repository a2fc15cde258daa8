import { Injectable } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { spanContextFromHeaders } from './trace-context.js';

/**
 * Continues the caller's trace: a request's W3C `traceparent` (and `tracestate`) header becomes the active
 * context while its route runs, so the spans it starts (submit, stop) are children of the caller's span.
 * Only when no span is active yet: an application that embeds us with its own HTTP instrumentation has
 * already made the request's server span (itself a child of the header's) the active one, and that is the
 * better parent. Without a registered context manager (tracing off) `context.with` does nothing.
 */
@Injectable()
export class TraceparentInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (trace.getSpan(context.active())) return next.handle();
    const { headers } = execution.switchToHttp().getRequest<Request>();
    const caller = spanContextFromHeaders(headers.traceparent, headers.tracestate);
    if (!caller) return next.handle();
    // Nest binds the route's async scope when handle() is called: calling it inside `with` is what carries
    // the context into the route handler and everything it awaits.
    return context.with(trace.setSpanContext(ROOT_CONTEXT, caller), () => next.handle());
  }
}
