// Turns traces on when the operator set an OTLP endpoint (the standard OTEL_* variables), and only
// then loads the SDK: with traces off nothing is imported and the API's no-op tracer stays in place.
import { type Tracer, trace } from "@opentelemetry/api";
import { otelRunTracing } from "./otel-run-tracer.js";
import type { RunTracing } from "./run-tracer.js";
import { type Env, tracesEndpoint, tracingWanted } from "./tracing-env.js";

export interface Tracing {
  runs: RunTracing;
  /** For the server's own spans (HTTP requests). */
  tracer: Tracer;
  /** Sends what is buffered (tests, shutdown). */
  flush(): Promise<void>;
  /** Flushes and stops exporting; the global provider is removed. */
  shutdown(): Promise<void>;
}

/**
 * Registers a global tracer provider exporting OTLP over HTTP (endpoint, headers, protocol
 * http/protobuf or http/json, timeouts: all from OTEL_* variables, which the exporter reads itself),
 * or returns undefined when traces are off. Call once per process.
 */
export async function startTracing(
  env: Env,
  service: { name: string; version: string },
): Promise<Tracing | undefined> {
  if (!tracingWanted(env)) return undefined;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, resources] =
    await Promise.all([
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
    ]);
  // The SDK's own attributes, then ours, then OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES (later wins).
  const resource = resources
    .defaultResource()
    .merge(
      resources.resourceFromAttributes({
        "service.name": service.name,
        "service.version": service.version,
      }),
    )
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesEndpoint(env) }))],
  });
  // The W3C traceparent propagator, but no AsyncLocalStorage context manager: contexts are passed
  // by hand (request → run), and on Node 20 an active AsyncLocalStorage hooks every promise of the
  // server (scripts/bench.mjs `tracing`: p50 added per run went from 5.5 to 3.8 ms without it).
  provider.register({ contextManager: null });
  const tracer = trace.getTracer("@sandcaster/core", service.version);
  return {
    runs: otelRunTracing(tracer),
    tracer,
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
    },
  };
}
