// Where a provider's calls go and how its key is presented: the gateway's only provider knowledge
// besides the usage fields (usage-reader.ts) and the error body shapes (gateway-answer.ts).
import {
  type ModelProvider,
  PROVIDER_BASE_URL_VARS,
  PROVIDER_KEY_VARS,
} from "@sandcaster/protocol";

/** The wire dialect a provider speaks: OpenRouter and compatible servers speak OpenAI's. */
export type WireFamily = "anthropic" | "openai" | "google";

/** Official base URLs, the same ones the SDKs default to (the SDK appends its own paths). */
export const OFFICIAL_BASE_URLS: Record<ModelProvider, string> = {
  anthropic: "https://api.anthropic.com",
  openai: "https://api.openai.com/v1",
  google: "https://generativelanguage.googleapis.com",
  openrouter: "https://openrouter.ai/api/v1",
};

export function wireFamily(provider: ModelProvider): WireFamily {
  if (provider === "anthropic") return "anthropic";
  if (provider === "google") return "google";
  return "openai";
}

/** The provider a gateway path's first segment names, or undefined for an unknown one. */
export function providerOfSegment(segment: string): ModelProvider | undefined {
  switch (segment) {
    case "anthropic":
    case "openai":
    case "google":
    case "openrouter":
      return segment;
    case "openai-compatible":
      return "openai";
    default:
      return undefined;
  }
}

export interface Upstream {
  provider: ModelProvider;
  /** Shared by the runs with the same base URL (see parsedBaseUrl): read, never changed. */
  baseUrl: URL;
  /** Empty for a compatible server that takes no key (Ollama, vLLM): no auth header is sent. */
  key: string;
}

/** Base URLs parsed lately, by their text: at most this many are kept. */
const PARSED_KEPT = 16;
const parsed = new Map<string, URL>();

/**
 * The URL of `text`, one object for every run that uses it (nearly all runs use one or two): a
 * URL each is ~0.3 KB an open run (10,000 open runs). A server given many base URLs parses again.
 */
function parsedBaseUrl(text: string): URL {
  let url = parsed.get(text);
  if (url === undefined) {
    url = new URL(text);
    if (parsed.size >= PARSED_KEPT) parsed.clear();
    parsed.set(text, url);
  }
  return url;
}

export function upstreamFor(
  provider: ModelProvider,
  upstream: { baseUrl?: string | undefined; key: string },
): Upstream {
  const baseUrl = parsedBaseUrl(upstream.baseUrl?.trim() || OFFICIAL_BASE_URLS[provider]);
  if (baseUrl.protocol !== "http:" && baseUrl.protocol !== "https:") {
    throw new Error(`the ${provider} base URL must be http(s), got ${baseUrl.protocol}`);
  }
  return { provider, baseUrl, key: upstream.key };
}

/** Headers that carry a client's credential, in every dialect; none of them is forwarded. */
export const CREDENTIAL_HEADERS = ["authorization", "x-api-key", "x-goog-api-key"] as const;

/** The real key, in the header the provider reads it from. */
export function credentialHeader(upstream: Upstream): Record<string, string> {
  if (!upstream.key) return {};
  switch (wireFamily(upstream.provider)) {
    case "anthropic":
      return { "x-api-key": upstream.key };
    case "google":
      return { "x-goog-api-key": upstream.key };
    case "openai":
      return { authorization: `Bearer ${upstream.key}` };
  }
}

/**
 * The upstream path for a gateway path's remainder: the base URL's own path, then what the SDK
 * appended, with Gemini's `key=` query parameter (a credential) removed.
 */
export function upstreamPath(upstream: Upstream, rest: string, search: URLSearchParams): string {
  const base = upstream.baseUrl.pathname.replace(/\/+$/, "");
  const query = new URLSearchParams(search);
  query.delete("key");
  const text = query.toString();
  return `${base}${rest.startsWith("/") ? rest : `/${rest}`}${text ? `?${text}` : ""}`;
}

/**
 * The run's upstream from the server's model environment (model-env.ts `envForProvider`: the
 * request's key first, then the server's; the configured base URL if any). Undefined without a key
 * unless a base URL names a compatible server that needs none.
 */
export function upstreamFromEnv(
  provider: ModelProvider,
  env: Readonly<Record<string, string | undefined>>,
): { baseUrl?: string; key: string } | undefined {
  const key = PROVIDER_KEY_VARS[provider].map((name) => env[name]?.trim()).find(Boolean) ?? "";
  const baseUrl = env[PROVIDER_BASE_URL_VARS[provider]]?.trim() || undefined;
  if (!key && !baseUrl) return undefined;
  return { key, ...(baseUrl ? { baseUrl } : {}) };
}

// The calls a token may make: model calls only. Anything else the key could do at the provider
// (files, batches, fine-tuning, admin) is out of reach of the sandbox and of the meter.
const MODEL_CALLS: Record<WireFamily, RegExp> = {
  anthropic: /^\/v1\/messages(\/count_tokens)?$/,
  openai: /^\/(v1\/)?chat\/completions$/,
  google: /^\/v1(beta|alpha)?\/models\/[^/:]+:(generateContent|streamGenerateContent|countTokens)$/,
};

export function isModelCall(provider: ModelProvider, method: string, rest: string): boolean {
  return method === "POST" && MODEL_CALLS[wireFamily(provider)].test(rest);
}
