import {
  type QueryRequestInput,
  QueryRequestSchema,
  type SandcasterConfigInput,
  SandcasterConfigSchema,
} from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { PlanError } from "../errors/plan-error.js";
import { planRun } from "./plan-run.js";

const req = (input: Partial<QueryRequestInput> = {}) =>
  QueryRequestSchema.parse({ prompt: "do it", ...input });
const cfg = (input: SandcasterConfigInput = {}) => SandcasterConfigSchema.parse(input);

const ANTHROPIC = { ANTHROPIC_API_KEY: "server-anthropic-key" };
const ALL = {
  ANTHROPIC_API_KEY: "server-anthropic-key",
  ANTHROPIC_BASE_URL: "https://anthropic.example",
  OPENAI_API_KEY: "server-openai-key",
  OPENAI_BASE_URL: "https://openai.example",
  GEMINI_API_KEY: "server-gemini-key",
  OPENROUTER_API_KEY: "server-openrouter-key",
  UNRELATED_SECRET: "do-not-pass",
};

function planError(fn: () => unknown): PlanError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PlanError) return error;
    throw error;
  }
  throw new Error("expected a PlanError");
}

describe("planRun refusals", () => {
  it("composite: config limits by default; a request may tighten them, never widen them", () => {
    expect(planRun(req({}), cfg(), ANTHROPIC).composite).toBeUndefined();
    expect(planRun(req({ composite: {} }), cfg(), ANTHROPIC).composite).toStrictEqual({
      maxSandboxes: 3,
      maxTotalSpawns: 10,
      allowedProviders: undefined,
      maxTransferBytes: 50 * 1024 * 1024,
    });
    const tight = planRun(
      req({ composite: { maxSandboxes: 1, allowedProviders: ["docker", "docker"] } }),
      cfg({ composite: { allowedProviders: ["docker", "local"] } }),
      ANTHROPIC,
    ).composite;
    expect(tight).toMatchObject({
      maxSandboxes: 1,
      maxTotalSpawns: 10,
      allowedProviders: ["docker"],
    });

    const wider = planError(() =>
      planRun(req({ composite: { maxSandboxes: 4 } }), cfg(), ANTHROPIC),
    );
    expect(wider.field).toBe("composite.maxSandboxes");
    expect(wider.message).toMatch(/at most 3/);
    const spawns = planError(() =>
      planRun(req({ composite: { maxTotalSpawns: 11 } }), cfg(), ANTHROPIC),
    );
    expect(spawns.field).toBe("composite.maxTotalSpawns");
    const provider = planError(() =>
      planRun(
        req({ composite: { allowedProviders: ["e2b"] } }),
        cfg({ composite: { allowedProviders: ["docker"] } }),
        ANTHROPIC,
      ),
    );
    expect(provider.field).toBe("composite.allowedProviders");
    expect(provider.message).toContain("e2b");
  });

  it("composite: refused with 400 when sandcaster.json turns it off", () => {
    const error = planError(() =>
      planRun(req({ composite: {} }), cfg({ composite: { maxSandboxes: 0 } }), ANTHROPIC),
    );
    expect(error.field).toBe("composite");
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/turned off/);
  });

  it("keeps an e2b key out of the runner's environment", () => {
    const request = req({ apiKeys: { e2b: "e2b-key-123" } });
    expect(JSON.stringify(planRun(request, cfg(), ANTHROPIC).env)).not.toContain("e2b-key-123");
  });
});

describe("planRun timeout", () => {
  it("takes the request's timeout first", () => {
    expect(planRun(req({ timeout: 42 }), cfg({ timeout: 99 }), ANTHROPIC).timeoutSecs).toBe(42);
  });

  it("falls back to sandcaster.json, then 300", () => {
    expect(planRun(req(), cfg({ timeout: 99 }), ANTHROPIC).timeoutSecs).toBe(99);
    expect(planRun(req(), cfg(), ANTHROPIC).timeoutSecs).toBe(300);
  });
});

describe("planRun model choice", () => {
  it("uses the request's model over sandcaster.json's", () => {
    const plan = planRun(req({ model: "gpt-5-mini" }), cfg({ model: "claude-opus-4-8" }), ALL);
    expect(plan.model).toEqual({ ok: true, provider: "openai", model: "gpt-5-mini" });
    expect(plan.runner).toMatchObject({ provider: "openai", model: "gpt-5-mini" });
  });

  it("uses sandcaster.json's model when the request names none", () => {
    const plan = planRun(req(), cfg({ model: "claude-opus-4-8" }), ALL);
    expect(plan.model).toEqual({ ok: true, provider: "anthropic", model: "claude-opus-4-8" });
  });

  it("a request key for openai picks openai's default model despite a server Anthropic key", () => {
    const plan = planRun(req({ apiKeys: { openai: "request-openai-key" } }), cfg(), ANTHROPIC);
    expect(plan.model).toEqual({ ok: true, provider: "openai", model: "gpt-5" });
    expect(plan.env).toEqual({ OPENAI_API_KEY: "request-openai-key" });
  });

  it("ignores sandcaster.json's model when it belongs to another provider than the request key", () => {
    const request = req({ apiKeys: { openai: "request-openai-key" } });
    const plan = planRun(request, cfg({ model: "claude-opus-4-8" }), ANTHROPIC);
    expect(plan.model).toEqual({ ok: true, provider: "openai", model: "gpt-5" });
  });

  it("uses sandcaster.json's model when it matches the request key's provider", () => {
    const request = req({ apiKeys: { openai: "request-openai-key" } });
    const plan = planRun(request, cfg({ model: "gpt-5-mini" }), ANTHROPIC);
    expect(plan.model).toEqual({ ok: true, provider: "openai", model: "gpt-5-mini" });
  });

  it("uses the request's provider with its default model over a mismatched config model", () => {
    const plan = planRun(req({ provider: "google" }), cfg({ model: "claude-opus-4-8" }), ALL);
    expect(plan.model).toEqual({ ok: true, provider: "google", model: "gemini-2.5-pro" });
  });

  it("reports no model when no key is available at all", () => {
    const plan = planRun(req(), cfg(), { UNRELATED_SECRET: "x" });
    expect(plan.model.ok).toBe(false);
    expect(plan.env).toEqual({});
    expect(plan.runner).not.toHaveProperty("provider");
    expect(plan.runner).not.toHaveProperty("model");
  });
});

describe("planRun runner env", () => {
  it("holds only the chosen provider's key and base URL", () => {
    const plan = planRun(req({ model: "claude-sonnet-4-6" }), cfg(), ALL);
    expect(plan.env).toEqual({
      ANTHROPIC_API_KEY: "server-anthropic-key",
      ANTHROPIC_BASE_URL: "https://anthropic.example",
    });
  });

  it("does not leak the server's other keys when the request brings its own", () => {
    const plan = planRun(req({ apiKeys: { openai: "request-openai-key" } }), cfg(), ALL);
    expect(plan.env).toEqual({
      OPENAI_API_KEY: "request-openai-key",
      OPENAI_BASE_URL: "https://openai.example",
    });
    const values = Object.values(plan.env).join(" ");
    expect(values).not.toContain("server-");
    expect(values).not.toContain("do-not-pass");
  });

  it("lets a request key override the server's key for the same provider", () => {
    const plan = planRun(req({ apiKeys: { anthropic: "request-anthropic-key" } }), cfg(), ALL);
    expect(plan.env.ANTHROPIC_API_KEY).toBe("request-anthropic-key");
    expect(Object.values(plan.env)).not.toContain("server-anthropic-key");
  });

  it("passes the server's alternate key variable for google", () => {
    const plan = planRun(req({ provider: "google" }), cfg(), ALL);
    expect(plan.env).toEqual({ GEMINI_API_KEY: "server-gemini-key" });
  });
});

describe("planRun runner config", () => {
  const config = cfg({
    allowedTools: ["bash"],
    systemPrompt: "config prompt",
    thinkingLevel: "low",
    outputFormat: { type: "json_schema", schema: { type: "object" } },
    maxTurns: 5,
  });

  it("takes sandcaster.json's settings when the request has none", () => {
    const plan = planRun(req(), config, ANTHROPIC);
    expect(plan.runner).toMatchObject({
      prompt: "do it",
      allowedTools: ["bash"],
      systemPrompt: "config prompt",
      thinkingLevel: "low",
      outputFormat: { type: "json_schema", schema: { type: "object" } },
      maxTurns: 5,
    });
  });

  it("lets the request's settings override sandcaster.json's", () => {
    const outputFormat = { type: "json_schema" as const, schema: { type: "array" } };
    const request = req({
      allowedTools: ["Read", "grep"],
      systemPrompt: "request prompt",
      thinkingLevel: "high",
      outputFormat,
      maxTurns: 9,
    });
    expect(planRun(request, config, ANTHROPIC).runner).toMatchObject({
      allowedTools: ["read_file", "grep"],
      systemPrompt: "request prompt",
      thinkingLevel: "high",
      outputFormat,
      maxTurns: 9,
    });
  });

  it("leaves unset settings out of the runner config", () => {
    const plan = planRun(req(), cfg(), ANTHROPIC);
    expect(Object.keys(plan.runner).sort()).toEqual(["model", "prompt", "provider"]);
    expect(plan.request.prompt).toBe("do it");
  });
});
