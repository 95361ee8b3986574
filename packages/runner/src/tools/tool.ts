// The contract every built-in tool implements; the agent loop knows tools only through this.
import type { BranchToolName, CompositeToolName, ToolName } from "@sandcaster/protocol";

export interface ToolContext {
  /** Absolute, real path of the working directory; every path a tool touches must stay inside. */
  cwd: string;
  /** Aborted when the run is cancelled or times out: a tool must stop promptly (kill its children). */
  signal: AbortSignal;
  /** Characters of output handed back to the model; longer output is cut with a note saying so. */
  outputLimitChars: number;
  /** Upper bound for one bash call in milliseconds (already capped by the run's remaining time). */
  bashTimeoutMs: number;
  /** Added to the environment of commands the tools run (the gateway relay's HTTP proxy). */
  env?: Readonly<Record<string, string>> | undefined;
  /** The model's id of this call (the host tags live output of exec_in with it). */
  toolUseId?: string | undefined;
  /** Live output of the call while it runs (streamed as tool_output events, bounded there). */
  output?: ((stream: "stdout" | "stderr", text: string) => void) | undefined;
}

export interface ToolOutcome {
  /** Text given back to the model (and shown to the client in the tool_result event). */
  content: string;
  /** True when the call failed; the model sees the error and the run goes on. */
  isError: boolean;
}

export interface ToolDefinition {
  name: ToolName | CompositeToolName | BranchToolName;
  description: string;
  /** Safe to run beside other such calls of the same turn (reads, other sandboxes). */
  parallel?: boolean;
  /** The sandbox a call acts on, for the `sandbox` tag of its tool_use/tool_result events. */
  sandboxOf?(input: unknown): string | undefined;
  /**
   * The sandboxes a parallel call reads or changes (default: its own, "primary"): calls of one
   * turn that share one run in order, the others at once.
   */
  touches?(input: unknown): string[];
  /** JSON Schema (draft 2020-12 / OpenAPI subset) of the input object, sent to the model. */
  inputSchema: Record<string, unknown>;
  /** Never throws for bad input or failures: those become `{isError: true}` outcomes. */
  run(input: unknown, context: ToolContext): Promise<ToolOutcome>;
}
