// The contract between the agent loop and a model provider: one streamed call at a time.
import type { ModelProvider, ThinkingLevel, Usage } from "@sandcaster/protocol";
import type { PortableTurn } from "./history-repair.js";

/** A provider's stream, normalised. Usage may arrive in several parts; they are summed. */
export type ModelPart =
  | { type: "text-delta"; text: string }
  | { type: "thinking-delta"; text: string }
  | { type: "tool-call"; id: string; name: string; input: unknown }
  | { type: "usage"; usage: Usage }
  | { type: "finish"; reason: "stop" | "tool_calls" | "max_tokens" | "other" };

export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface ToolResultInput {
  id: string;
  name: string;
  content: string;
  isError: boolean;
}

/** First the user's prompt, then after every call that asked for tools, their results. */
export type TurnInput =
  | { kind: "user"; text: string }
  | { kind: "tool-results"; results: ToolResultInput[] };

export interface ConversationSettings {
  model: string;
  system: string;
  tools: readonly ToolSpec[];
  thinkingLevel: ThinkingLevel | undefined;
  maxOutputTokens: number;
  /**
   * A session's earlier turns, oldest first, already repaired (see `repairHistory`): each adapter
   * seeds its native history from them, so the conversation continues before the first input.
   */
  history: readonly PortableTurn[];
}

/**
 * Keeps the provider's native message history, so nothing is lost in translation (Anthropic
 * thinking signatures, Gemini thought signatures). A call that fails leaves the history as it was,
 * so the same input can be sent again.
 */
export interface ModelConversation {
  readonly provider: ModelProvider;
  readonly model: string;
  /** Settings this model cannot honour, said once as warnings (never silently dropped). */
  readonly notices: readonly string[];
  stream(input: TurnInput, signal: AbortSignal): AsyncIterable<ModelPart>;
}
