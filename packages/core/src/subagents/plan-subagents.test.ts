import {
  type QueryRequestInput,
  QueryRequestSchema,
  type SandcasterConfigInput,
  SandcasterConfigSchema,
} from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { planRun } from "../run/plan-run.js";
import { planSubAgents } from "./plan-subagents.js";

const ENV = { ANTHROPIC_API_KEY: "k", OPENROUTER_API_KEY: "k" };

function plan(request: Partial<QueryRequestInput>, config: SandcasterConfigInput = {}) {
  const req = QueryRequestSchema.parse({ prompt: "go", ...request });
  const cfg = SandcasterConfigSchema.parse(config);
  return planSubAgents(req, cfg, planRun(req, cfg, ENV));
}

const agent = { description: "d", systemPrompt: "s" };

describe("planSubAgents", () => {
  it("resolves models, tools and turn limits; the request's agents win on a name", () => {
    const agents = plan(
      {
        allowedTools: ["bash", "read_file"],
        extraAgents: {
          b: { ...agent, prompt: undefined, model: "haiku", tools: ["Read", "Write"] },
        },
      },
      { agents: { a: agent, b: { description: "old", prompt: "p" } } },
    );
    expect(agents).toEqual({
      a: {
        description: "d",
        systemPrompt: "s",
        model: "claude-sonnet-4-6",
        allowedTools: ["bash", "read_file"],
        maxTurns: 20,
      },
      // write_file is not the run's: a sub-agent never gets more than its run
      b: expect.objectContaining({ model: "claude-haiku-4-5", allowedTools: ["read_file"] }),
    });
  });

  it("resolves an alias at the run's provider and refuses another provider's model", () => {
    const agents = plan({
      provider: "openrouter",
      extraAgents: { a: { ...agent, model: "haiku" } },
    });
    expect(agents.a?.model).toBe("anthropic/claude-haiku-4.5");
    expect(() => plan({ extraAgents: { a: { ...agent, model: "gemini-2.5-pro" } } })).toThrow(
      /served by google/,
    );
  });

  it("plans a model of another family at its own provider when its key is there", () => {
    const req = QueryRequestSchema.parse({
      prompt: "go",
      extraAgents: { a: { ...agent, model: "gpt-5" } },
    });
    const cfg = SandcasterConfigSchema.parse({});
    const available = { ...ENV, OPENAI_API_KEY: "sk-o" };
    const agents = planSubAgents(req, cfg, planRun(req, cfg, ENV), available);
    expect(agents.a).toMatchObject({ model: "gpt-5", provider: "openai" });
    expect(() => planSubAgents(req, cfg, planRun(req, cfg, ENV), ENV)).toThrow(
      /served by openai, and this server has no openai key \(set OPENAI_API_KEY/,
    );
  });

  it("filters by allowedAgents and refuses unknown names", () => {
    expect(Object.keys(plan({ allowedAgents: ["a"] }, { agents: { a: agent, b: agent } }))).toEqual(
      ["a"],
    );
    expect(() => plan({ allowedAgents: ["zed"] }, { agents: { a: agent } })).toThrow(
      /no agent named "zed"/,
    );
  });
});
