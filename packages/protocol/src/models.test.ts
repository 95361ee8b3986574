import { describe, expect, it } from "vitest";
import { chooseModel } from "./models.js";

describe("chooseModel", () => {
  it("resolves aliases on their home provider", () => {
    expect(chooseModel({ model: "sonnet" }, {})).toEqual({
      ok: true,
      provider: "anthropic",
      model: "claude-sonnet-4-6",
    });
    expect(chooseModel({ model: "gpt5" }, {})).toEqual({
      ok: true,
      provider: "openai",
      model: "gpt-5",
    });
    expect(chooseModel({ model: "gemini" }, {})).toEqual({
      ok: true,
      provider: "google",
      model: "gemini-2.5-pro",
    });
  });

  it("resolves aliases on OpenRouter when that provider is chosen", () => {
    expect(chooseModel({ provider: "openrouter", model: "opus" }, {})).toMatchObject({
      model: "anthropic/claude-opus-4.8",
    });
  });

  it("infers the provider from the model id", () => {
    expect(chooseModel({ model: "claude-haiku-4-5" }, {})).toMatchObject({ provider: "anthropic" });
    expect(chooseModel({ model: "o4-mini" }, {})).toMatchObject({ provider: "openai" });
    expect(chooseModel({ model: "meta-llama/llama-3-70b" }, {})).toMatchObject({
      provider: "openrouter",
    });
  });

  it("falls back to whichever key is present", () => {
    expect(chooseModel({}, { GEMINI_API_KEY: "k" })).toEqual({
      ok: true,
      provider: "google",
      model: "gemini-2.5-pro",
    });
    expect(
      chooseModel({ model: "llama3.1" }, { OPENAI_BASE_URL: "http://ollama:11434/v1" }),
    ).toMatchObject({
      provider: "openai",
      model: "llama3.1",
    });
  });

  it("explains when nothing can be chosen", () => {
    expect(chooseModel({}, {})).toEqual({ ok: false, reason: "no model provider is configured" });
    expect(chooseModel({ model: "mystery" }, {})).toMatchObject({ ok: false });
  });
});
