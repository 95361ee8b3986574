// Extension points of a run: what later capabilities (model gateway, budgets, egress policy) plug
// into, per run, without touching the HTTP route or the in-process CLI.
//
// An extension is given to startRun once (RunServices.extensions, server-wide, or
// StartRunOptions.extensions, this run only) and opened for every run:
//   (a) `open` runs once the sandbox exists and before the runner is staged and spawned; what it
//       returns as `runner` changes the runner's environment and config (the gateway replaces the
//       model keys by a capability token and adds its socket path);
//   (b) `usage` is read once the runner has ended: metered figures replace the runner's own in the
//       `result` event and the run record (the gateway's metering is the source of truth);
//   (c) `context.fail(error)` ends the run from outside the runner with the error's code (a budget
//       exhausted: BUDGET_EXCEEDED); the runner is killed and the stream ends with that `error`.
import type { RunnerConfigInput, SandcasterEvent, Usage } from "@sandcaster/protocol";
import type { Logger } from "pino";
import type { SandcasterError } from "../errors/sandcaster-error.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import type { RunTracer } from "../tracing/run-tracer.js";
import type { RunPlan } from "./plan-run.js";

export interface RunExtensionContext {
  runId: string;
  plan: RunPlan;
  /** The run's sandbox (created, nothing staged yet); `hostSocketDir` is where host sockets go. */
  sandbox: Sandbox;
  /** Aborted when the run ends for any reason. */
  signal: AbortSignal;
  log: Logger;
  /** (c) Ends the run with this error (its code and message reach the client and the record). */
  fail(error: SandcasterError): void;
  /**
   * The run's trace: the model gateway takes `hostModelCalls()` and reports each call it proxied
   * with its metered usage (then no model span is derived from the runner's events).
   */
  tracer?: RunTracer | undefined;
  /** Adds an event to the run's stream (e.g. a `warning`); redacted like every other event. */
  emit(event: SandcasterEvent): void;
}

/** (a) How an extension changes the runner it precedes. */
export interface RunnerPatch {
  /**
   * The runner process's environment, given the one planned (model keys, base URLs). Values of
   * model key variables (ANTHROPIC_API_KEY, …) in it are redacted from the run's events.
   */
  env?: ((planned: Readonly<Record<string, string>>) => Record<string, string>) | undefined;
  /** Merged over the runner's config file (after the planned fields, before the paths). */
  config?: Partial<RunnerConfigInput> | undefined;
  /** Values redacted from the run's events and record (e.g. a capability token in the config). */
  secrets?: readonly string[] | undefined;
}

/** (b) A run's usage and cost as measured outside the sandbox. */
export interface MeteredUsage {
  usage: Usage;
  /** Undefined when a call went to a model without a known price: no cost is then recorded. */
  costUsd: number | undefined;
}

export interface OpenedRunExtension {
  runner?: RunnerPatch | undefined;
  /** (b) Read once, after the runner ended; undefined keeps the runner's figures. */
  usage?: (() => MeteredUsage | undefined) | undefined;
  /** Runs at teardown, after the sandbox is destroyed; errors are logged, never thrown. */
  close?: (() => Promise<void>) | undefined;
}

export interface RunExtension {
  /** For logs. */
  readonly name: string;
  /** (a) Throwing a SandcasterError ends the run with its code before the runner starts. */
  open(
    context: RunExtensionContext,
  ): Promise<OpenedRunExtension | undefined> | OpenedRunExtension | undefined;
}
