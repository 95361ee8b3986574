// What every phase of one run shares: who it is, what it does, where its events go, how it stops.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { Logger } from "pino";
import type { SandcasterError } from "../errors/sandcaster-error.js";
import type { SandboxLimits, SandboxProvider } from "../sandbox/sandbox.js";
import type { RunSession } from "../session/run-session.js";
import type { RunTracer } from "../tracing/run-tracer.js";
import type { RunPlan } from "./plan-run.js";
import type { Redact } from "./redact.js";
import type { RunExec } from "./run-exec.js";
import type { RunExtension } from "./run-extension.js";
import type { ResolvedRunServices } from "./run-services.js";

export interface RunScope {
  runId: string;
  plan: RunPlan;
  provider: SandboxProvider;
  services: ResolvedRunServices;
  /** Server-wide and per-run extensions, opened in this order once the sandbox exists. */
  extensions: readonly RunExtension[];
  session: RunSession | undefined;
  log: Logger;
  startedAt: Date;
  limits: SandboxLimits;
  /** Aborted by a timeout, a cancel (from any instance), the caller, or `fail`. */
  signal: AbortSignal;
  /** Ends the run with this error (the signal's reason); the first reason wins. */
  fail(error: SandcasterError): void;
  /** Numbers, records and streams one event. */
  emit(event: SandcasterEvent): void;
  /**
   * The run's last event: numbers and records it, waits (a few seconds at most) until it and every
   * earlier event are stored, then streams it, so an end a client saw is one the store holds even
   * if this process dies right after (the liveness sweeper then records the run as it says).
   */
  emitStored(event: SandcasterEvent): Promise<void>;
  /** The run's secrets out of any text; replaced once the runner's own env is known. */
  redact: Redact;
  onSandboxReady?: ((seconds: number) => void) | undefined;
  /** The run's own work instead of the agent runner (a pipeline); it needs no model. */
  exec?: RunExec | undefined;
  /** The run's trace (a no-op when traces are off). */
  tracer: RunTracer;
}
