// The three wire doubles behind one shape: start a scripted server and get the runner env that points at it.
import {
  type ModelDouble,
  type ScriptedTurn,
  startAnthropicDouble,
  startGeminiDouble,
  startOpenAIDouble,
} from "@sandcaster/testkit";

export interface ProviderCase {
  name: "anthropic" | "openai" | "google" | "openrouter";
  model: string;
  start(turns: ScriptedTurn[]): Promise<ModelDouble>;
  env(double: ModelDouble): Record<string, string>;
  /** How the key appears in a request header (SDKs differ in which header they use). */
  keyHeader: string;
}

export const PROVIDERS: ProviderCase[] = [
  {
    name: "anthropic",
    model: "claude-sonnet-4-6",
    start: (turns) => startAnthropicDouble({ turns }),
    env: (d) => ({ ANTHROPIC_API_KEY: "sk-ant-test", ANTHROPIC_BASE_URL: d.url }),
    keyHeader: "Bearer sk-ant-test",
  },
  {
    name: "openai",
    model: "gpt-5",
    start: (turns) => startOpenAIDouble({ turns }),
    env: (d) => ({ OPENAI_API_KEY: "sk-openai-test", OPENAI_BASE_URL: d.url }),
    keyHeader: "Bearer sk-openai-test",
  },
  {
    name: "google",
    model: "gemini-2.5-flash",
    start: (turns) => startGeminiDouble({ turns }),
    env: (d) => ({ GOOGLE_API_KEY: "google-test-key", GOOGLE_GEMINI_BASE_URL: d.url }),
    keyHeader: "google-test-key",
  },
  {
    name: "openrouter",
    model: "anthropic/claude-sonnet-4.6",
    start: (turns) => startOpenAIDouble({ turns }),
    env: (d) => ({ OPENROUTER_API_KEY: "sk-or-test", OPENROUTER_BASE_URL: d.url }),
    keyHeader: "Bearer sk-or-test",
  },
];

export function provider(name: ProviderCase["name"]): ProviderCase {
  const found = PROVIDERS.find((p) => p.name === name);
  if (!found) throw new Error(`no provider case ${name}`);
  return found;
}
