// What a run tells its trace. Phases, the model gateway and the event relay call this; whether a
// trace exists behind it (OpenTelemetry on) or not (the no-op below) is not their concern.
import type { Context } from "@opentelemetry/api";
import type { SandcasterEvent, Usage } from "@sandcaster/protocol";
import type { RunOutcome } from "../store/run-store.js";

/** The run's stages that get a span of their own (children of `invoke_agent`). */
export type RunPhaseName =
  | "sandbox.acquire"
  | "sandbox.stage"
  | "runner.exec"
  | "artifacts.collect"
  | "sandbox.teardown";

/** Attributes a phase learns while it runs (e.g. whether its sandbox was pooled). */
export type PhaseAttributes = Record<string, string | number | boolean>;

/**
 * One model call. `source` says who measured it: "gateway" (the host proxied the call and counted
 * its tokens) or "runner" (derived from the sandbox's own events; its figures are not trusted for
 * usage and are never put on the span as such). Times are epoch milliseconds (fractional).
 */
export interface ModelCall {
  provider: string;
  model: string;
  startedAt: number;
  endedAt: number;
  source: "gateway" | "runner";
  usage?: Usage | undefined;
  costUsd?: number | undefined;
  /** "ok", or an error type (an HTTP status, a code) for a failed call. */
  status: "ok" | (string & {});
  /** Only recorded when the operator opted in to content. */
  output?: string | undefined;
}

/** One tool call the agent made, as the runner's events show it. */
export interface ToolCall {
  tool: string;
  callId?: string | undefined;
  startedAt: number;
  endedAt: number;
  isError: boolean;
  /** Only recorded when the operator opted in to content. */
  input?: string | undefined;
  output?: string | undefined;
}

export interface RunTracer {
  /** The run's trace id (32 hex digits); undefined when traces are off. */
  readonly traceId: string | undefined;
  /** Runs `fn` inside a span named `name`; `set` adds attributes learnt along the way. */
  phase<T>(
    name: RunPhaseName,
    fn: (set: (attributes: PhaseAttributes) => void) => Promise<T>,
  ): Promise<T>;
  /**
   * The host meters this run's model calls (the gateway, once open): the returned function takes
   * each call as it ends, and no model span is derived from the runner's events any more.
   */
  hostModelCalls(): (call: ModelCall) => void;
  /** Each event of the run, in order: tool spans (and model spans without a gateway) come from them. */
  event(event: SandcasterEvent): void;
  /** Ends the run's span with its outcome; later calls are ignored. */
  end(outcome: RunOutcome): void;
}

/** What a run's trace starts from. */
export interface TracedRun {
  /**
   * The caller's trace context (the HTTP request span's); passed by hand, not through
   * AsyncLocalStorage, whose hooks would slow every promise of the server.
   */
  parent: Context | undefined;
  runId: string;
  model: { provider: string; model: string } | undefined;
  sandboxProvider: string;
  sessionId: string | undefined;
  prompt: string;
  recordContent: boolean;
}

/** Starts runs' traces. */
export interface RunTracing {
  startRun(run: TracedRun): RunTracer;
}

const ignore = () => undefined;

/** Tracing off: nothing is measured, nothing allocated per call. */
export const NOOP_RUN_TRACER: RunTracer = {
  traceId: undefined,
  phase: (_name, fn) => fn(ignore),
  hostModelCalls: () => ignore,
  event: ignore,
  end: ignore,
};
