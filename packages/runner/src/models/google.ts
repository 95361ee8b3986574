// Gemini adapter over @google/genai: streamGenerateContent with function calling and thoughts.
import { type Content, GoogleGenAI, type Part } from "@google/genai";
import { geminiFunctionResponse, geminiHistory } from "./history-google.js";
import { incompleteStream, mapModelError } from "./map-model-error.js";
import type {
  ConversationSettings,
  ModelConversation,
  ModelPart,
  TurnInput,
} from "./model-conversation.js";
import { thinkingBudget } from "./thinking-budget.js";

export interface GoogleConnection {
  apiKey: string;
  baseURL?: string | undefined;
}

const FINISH: Record<string, "stop" | "max_tokens"> = { STOP: "stop", MAX_TOKENS: "max_tokens" };

/** Ids we made up for calls that came without one are not echoed back to the API. */
function inputContent(input: TurnInput, madeUpIds: ReadonlySet<string>): Content {
  if (input.kind === "user") return { role: "user", parts: [{ text: input.text }] };
  return {
    role: "user",
    parts: input.results.map((r) =>
      geminiFunctionResponse(r, madeUpIds.has(r.id) ? undefined : r.id),
    ),
  };
}

/** Joins streamed text pieces into one part, keeping parts that carry a thought signature whole. */
function appendPart(parts: Part[], part: Part): void {
  const last = parts[parts.length - 1];
  const plainText = (p: Part) =>
    typeof p.text === "string" && !p.thoughtSignature && !p.functionCall;
  if (
    last &&
    plainText(last) &&
    plainText(part) &&
    Boolean(last.thought) === Boolean(part.thought)
  ) {
    last.text = `${last.text}${part.text}`;
    return;
  }
  parts.push({ ...part });
}

function thinkingConfig(settings: ConversationSettings, notices: string[]) {
  if (settings.thinkingLevel === undefined) return undefined;
  if (settings.thinkingLevel === "none") {
    // Gemini Pro models cannot turn thinking off; 128 tokens is their smallest budget.
    if (/gemini-[\d.]+-pro/.test(settings.model)) {
      notices.push(
        `thinking cannot be turned off on ${settings.model}; using the smallest budget (128 tokens)`,
      );
      return { thinkingBudget: 128 };
    }
    return { thinkingBudget: 0 };
  }
  return { thinkingBudget: thinkingBudget(settings.thinkingLevel), includeThoughts: true };
}

export function createGoogleConversation(
  settings: ConversationSettings,
  connection: GoogleConnection,
): ModelConversation {
  const ai = new GoogleGenAI({
    apiKey: connection.apiKey,
    httpOptions: {
      retryOptions: { attempts: 1 },
      ...(connection.baseURL ? { baseUrl: connection.baseURL } : {}),
    },
  });
  const history: Content[] = geminiHistory(settings.history);
  const errorContext = { provider: "Gemini", keyVar: "GOOGLE_API_KEY (or GEMINI_API_KEY)" };
  let callCounter = 0;
  const notices: string[] = [];
  const thinking = thinkingConfig(settings, notices);
  const madeUpIds = new Set<string>();

  async function* stream(input: TurnInput, signal: AbortSignal): AsyncGenerator<ModelPart> {
    const pending = inputContent(input, madeUpIds);
    let started = false;
    let finishReason: string | undefined;
    const parts: Part[] = [];
    const calls: { id: string; name: string; input: unknown }[] = [];
    const usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    try {
      const responses = await ai.models.generateContentStream({
        model: settings.model,
        contents: [...history, pending],
        config: {
          abortSignal: signal,
          systemInstruction: settings.system,
          maxOutputTokens: settings.maxOutputTokens,
          tools: [
            {
              functionDeclarations: settings.tools.map((t) => ({
                name: t.name,
                description: t.description,
                parametersJsonSchema: t.inputSchema,
              })),
            },
          ],
          ...(thinking ? { thinkingConfig: thinking } : {}),
        },
      });
      for await (const response of responses) {
        started = true;
        const meta = response.usageMetadata;
        if (meta) {
          const cached = meta.cachedContentTokenCount ?? 0;
          usage.inputTokens = Math.max(0, (meta.promptTokenCount ?? 0) - cached);
          usage.cacheReadTokens = cached;
          usage.outputTokens = (meta.candidatesTokenCount ?? 0) + (meta.thoughtsTokenCount ?? 0);
        }
        const candidate = response.candidates?.[0];
        for (const part of candidate?.content?.parts ?? []) {
          appendPart(parts, part);
          if (part.functionCall) {
            let id = part.functionCall.id;
            if (!id) {
              id = `call_${++callCounter}`;
              madeUpIds.add(id);
            }
            calls.push({
              id,
              name: part.functionCall.name ?? "",
              input: part.functionCall.args ?? {},
            });
          } else if (typeof part.text === "string" && part.text) {
            yield { type: part.thought ? "thinking-delta" : "text-delta", text: part.text };
          }
        }
        if (candidate?.finishReason) finishReason = candidate.finishReason;
      }
    } catch (error) {
      throw mapModelError(error, { ...errorContext, streamStarted: started });
    }
    if (!finishReason) throw incompleteStream("Gemini");
    history.push(pending, { role: "model", parts });
    for (const call of calls) yield { type: "tool-call", ...call };
    yield { type: "usage", usage };
    yield {
      type: "finish",
      reason: calls.length ? "tool_calls" : (FINISH[finishReason] ?? "other"),
    };
  }

  return { provider: "google", model: settings.model, notices, stream };
}
