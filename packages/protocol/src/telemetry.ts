// The `telemetry` section of sandcaster.json. Traces themselves are configured by the standard
// OTEL_* environment variables (off unless an OTLP endpoint is set); this only holds what those
// variables cannot say.
import * as z from "zod";

export const TelemetryConfigSchema = z.strictObject({
  /**
   * Put prompts, answers and tool inputs/outputs on spans. Off by default: traces usually leave the
   * trust boundary of the run (a collector, a vendor). OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true
   * turns it on too.
   */
  recordContent: z.boolean().default(false),
});
export type TelemetryConfig = z.output<typeof TelemetryConfigSchema>;
