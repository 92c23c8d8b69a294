/**
 * OpenTelemetry, only when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`): spans
 * go over OTLP/HTTP to `${endpoint}/v1/traces`. Off, no span is ever created.
 */
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface Tracing {
  tracer: Tracer;
  /** Exports what is still buffered; call on shutdown. */
  shutdown(): Promise<void>;
}

export function createTracing(
  { endpoint, serviceName }: { endpoint: string; serviceName: string },
  version: string,
): Tracing {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.version': version }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` })),
    ],
  });
  return { tracer: provider.getTracer('salesbinder-gateway', version), shutdown: () => provider.shutdown() };
}
