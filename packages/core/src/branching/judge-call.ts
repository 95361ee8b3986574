// One model call made by the server itself (the branching judge): no sandbox, no SDK, one JSON
// request in the provider's own dialect, with the key and base URL a run of that provider would
// get, and its usage read and priced the way the gateway meters a run's calls.
// Hand-written rather than through a provider SDK: core carries none (the runner bundles them),
// and a single non-streaming call per dialect is a few lines each.
import {
  costOfCall,
  type ModelProvider,
  roundUsd,
  type Usage,
  ZERO_USAGE,
} from "@sandcaster/protocol";
import {
  credentialHeader,
  upstreamFor,
  upstreamFromEnv,
  upstreamPath,
  wireFamily,
} from "../gateway/upstream.js";
import { createUsageReader } from "../gateway/usage-reader.js";
import { RunError } from "../run/run-error.js";

export interface JudgeCallInput {
  provider: ModelProvider;
  model: string;
  /** The model environment of the run (keys and base URLs, see model-env.ts). */
  env: Readonly<Record<string, string | undefined>>;
  system: string;
  prompt: string;
  signal: AbortSignal;
}

export interface JudgeAnswer {
  text: string;
  usage: Usage;
  /** Undefined for a model without a known price. */
  costUsd: number | undefined;
}

/** The judge names a winner in a short JSON object; a long essay is not wanted. */
const MAX_OUTPUT_TOKENS = 2048;

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function textsOf(parts: unknown[]): string {
  return parts
    .map((part) => asObject(part))
    .filter((part) => typeof part.text === "string" && part.type !== "thinking")
    .map((part) => part.text as string)
    .join("");
}

function requestFor(input: JudgeCallInput): { path: string; headers: Json; body: Json } {
  const { model, system, prompt } = input;
  switch (wireFamily(input.provider)) {
    case "anthropic":
      return {
        path: "/v1/messages",
        headers: { "anthropic-version": "2023-06-01" },
        body: {
          model,
          max_tokens: MAX_OUTPUT_TOKENS,
          system,
          messages: [{ role: "user", content: prompt }],
        },
      };
    case "openai":
      return {
        path: "/chat/completions",
        headers: {},
        body: {
          model,
          max_completion_tokens: MAX_OUTPUT_TOKENS,
          messages: [
            { role: "system", content: system },
            { role: "user", content: prompt },
          ],
        },
      };
    case "google":
      return {
        path: `/v1beta/models/${encodeURIComponent(model)}:generateContent`,
        headers: {},
        body: {
          systemInstruction: { parts: [{ text: system }] },
          contents: [{ role: "user", parts: [{ text: prompt }] }],
          generationConfig: { maxOutputTokens: MAX_OUTPUT_TOKENS },
        },
      };
  }
}

function answerText(provider: ModelProvider, body: Json): string {
  switch (wireFamily(provider)) {
    case "anthropic":
      return textsOf(asArray(body.content));
    case "openai": {
      const message = asObject(asObject(asArray(body.choices)[0]).message);
      return typeof message.content === "string" ? message.content : "";
    }
    case "google":
      return textsOf(asArray(asObject(asObject(asArray(body.candidates)[0]).content).parts));
  }
}

export async function callJudge(input: JudgeCallInput): Promise<JudgeAnswer> {
  const settings = upstreamFromEnv(input.provider, input.env);
  if (!settings) {
    throw new RunError(
      "NO_MODEL_CREDENTIALS",
      `the branching judge needs a ${input.provider} key (its model is ${input.model})`,
    );
  }
  const upstream = upstreamFor(input.provider, settings);
  const { path, headers, body } = requestFor(input);
  const url = new URL(upstreamPath(upstream, path, new URLSearchParams()), upstream.baseUrl);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers, ...credentialHeader(upstream) },
      body: JSON.stringify(body),
      signal: input.signal,
    });
  } catch (error) {
    if (input.signal.aborted) throw input.signal.reason;
    throw new RunError(
      "MODEL_CONNECTION_FAILED",
      `the branching judge could not reach ${input.provider}: ${(error as Error).message}`,
    );
  }
  const raw = Buffer.from(await response.arrayBuffer());
  const reader = createUsageReader(wireFamily(input.provider), "application/json");
  reader.push(raw);
  const usage = reader.end().usage ?? ZERO_USAGE;
  const cost = costOfCall(input.model, usage);
  if (!response.ok) {
    throw new RunError(
      "MODEL_API_ERROR",
      `the branching judge's model call failed with HTTP ${response.status}`,
    );
  }
  let parsed: Json = {};
  try {
    parsed = asObject(JSON.parse(raw.toString("utf8")));
  } catch {
    // An unreadable answer names no winner; the caller decides what that means.
  }
  return {
    text: answerText(input.provider, parsed),
    usage,
    costUsd: cost === undefined ? undefined : roundUsd(cost),
  };
}
