// The standard OTEL_* switches, read without loading any of the SDK.

export type Env = Readonly<Record<string, string | undefined>>;

/** Traces are on when an OTLP endpoint is set and the SDK is not disabled (OTEL_SDK_DISABLED). */
export function tracingWanted(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  if (env.OTEL_TRACES_EXPORTER !== undefined && env.OTEL_TRACES_EXPORTER.trim() === "none") {
    return false;
  }
  return Boolean(
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim(),
  );
}

/** Where spans go: the traces endpoint as given, else `/v1/traces` under the OTLP endpoint. */
export function tracesEndpoint(env: Env): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined;
}

/** The GenAI convention's switch for message content, or sandcaster.json telemetry.recordContent. */
export function recordContentWanted(env: Env, configured: boolean): boolean {
  return (
    configured ||
    env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim().toLowerCase() === "true"
  );
}
