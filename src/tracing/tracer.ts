import { trace } from '@opentelemetry/api';

/**
 * TaskSystem's tracer, from whatever tracer provider is registered globally: the service's own (main.ts,
 * when OTEL_* asks for one), or the embedding application's SDK. The API's proxy tracer finds a provider
 * registered after this module loaded; until then, and with none, it hands out spans that record nothing.
 */
export const TRACER = trace.getTracer('tasksystem');
