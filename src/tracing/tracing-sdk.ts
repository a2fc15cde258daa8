// The service's own OpenTelemetry SDK. main.ts imports this file only when OTEL_* asks for traces, so a
// replica without them loads no SDK at all, and an application that embeds TaskSystem never does: our
// library code speaks @opentelemetry/api only, and its spans go to the embedding application's provider.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { AppConfig } from '../config/app-config.js';

/** What main.ts needs of the SDK once started: to flush the last spans at shutdown. */
export interface TracingSdk {
  /** Where the spans go, for the start-up log. */
  destination: string;
  shutdown(): Promise<void>;
}

/** Starts the SDK for `config.tracesExporter` (not `none`) and registers it as the process's global one. */
export function startTracingSdk(config: AppConfig): TracingSdk {
  const provider = new TracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES adds to ours; the service name is OTEL_SERVICE_NAME's (as the spec says).
    resource: defaultResource()
      .merge(resourceFromAttributes({ 'service.instance.id': config.replicaId }))
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.otelServiceName })),
    spanProcessors: [spanProcessor(config)],
  });
  // The async context manager carries the active span across awaits: a request's `traceparent` reaches
  // the submit span it causes (TraceparentInterceptor), and a handler's own spans nest in its `run` span.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return {
    destination: config.tracesExporter === 'console' ? 'stdout' : 'OTLP (http/protobuf)',
    shutdown: () => provider.shutdown(),
  };
}

function spanProcessor(config: AppConfig): SpanProcessor {
  // Console output is for a look at a few tasks: printed at once. OTLP goes in batches, off the hot path;
  // the exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _TIMEOUT and _COMPRESSION itself.
  if (config.tracesExporter === 'console') return new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() });
  return new BatchSpanProcessor({ exporter: new OTLPTraceExporter() });
}
