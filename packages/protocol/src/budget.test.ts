import { describe, expect, it } from "vitest";
import { BudgetSchema, effectiveBudget } from "./budget.js";
import { SandcasterConfigSchema } from "./config.js";
import { QueryRequestSchema } from "./request.js";
import { RunnerConfigSchema } from "./runner-config.js";

describe("budget", () => {
  it("takes the tighter of config and request, field by field", () => {
    expect(effectiveBudget({ maxCostUsd: 1, maxOutputTokens: 5000 }, { maxCostUsd: 0.05 })).toEqual(
      {
        ok: true,
        budget: { maxCostUsd: 0.05, maxOutputTokens: 5000 },
      },
    );
    expect(effectiveBudget(undefined, { maxInputTokens: 10 })).toEqual({
      ok: true,
      budget: { maxInputTokens: 10 },
    });
    expect(effectiveBudget(undefined, undefined)).toEqual({ ok: true, budget: {} });
  });

  it("refuses a request above the server's ceiling, naming the field", () => {
    const choice = effectiveBudget({ maxCostUsd: 1 }, { maxCostUsd: 2 });
    expect(choice).toMatchObject({ ok: false, field: "budget.maxCostUsd" });
    expect(choice.ok ? "" : choice.message).toMatch(/ceiling of 1/);
  });

  it("is validated where it enters: request, sandcaster.json", () => {
    expect(BudgetSchema.safeParse({ maxCostUsd: -1 }).success).toBe(false);
    expect(BudgetSchema.safeParse({ maxTokens: 5 }).success).toBe(false);
    const request = QueryRequestSchema.safeParse({ prompt: "x", budget: { maxOutputTokens: 1.5 } });
    expect(request.success ? [] : request.error.issues[0]?.path).toEqual([
      "budget",
      "maxOutputTokens",
    ]);
    const config = SandcasterConfigSchema.parse({
      budget: { maxCostUsd: 3 },
      gateway: { publicUrl: "https://x.test/gateway" },
    });
    expect(config.budget).toEqual({ maxCostUsd: 3 });
    expect(config.gateway.publicUrl).toBe("https://x.test/gateway");
  });
});

describe("runner config gateway", () => {
  const base = { prompt: "p", cwd: "/w" };
  const token = "sc-gw-0123456789abcdef";
  it("takes exactly one of socket and url", () => {
    expect(
      RunnerConfigSchema.safeParse({
        ...base,
        gateway: { socket: "/run/sandcaster/gateway.sock", token, provider: "anthropic" },
      }).success,
    ).toBe(true);
    expect(
      RunnerConfigSchema.safeParse({
        ...base,
        gateway: { url: "https://x.test/gateway", token, provider: "google" },
      }).success,
    ).toBe(true);
    expect(
      RunnerConfigSchema.safeParse({ ...base, gateway: { token, provider: "openai" } }).success,
    ).toBe(false);
    expect(
      RunnerConfigSchema.safeParse({
        ...base,
        gateway: { socket: "/s", url: "https://x.test", token, provider: "openai" },
      }).success,
    ).toBe(false);
  });
});
