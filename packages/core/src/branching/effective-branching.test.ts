import { QueryRequestSchema, SandcasterConfigSchema } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { effectiveBranching } from "./effective-branching.js";

const config = SandcasterConfigSchema.parse({
  branching: { count: 2, evaluator: { type: "custom", prompt: "prefer short" } },
});
const request = (fields: Record<string, unknown>) =>
  QueryRequestSchema.parse({ prompt: "go", ...fields });

describe("effectiveBranching", () => {
  it("is sandcaster.json's when the request says nothing", () => {
    expect(effectiveBranching(request({}), config)).toEqual(config.branching);
    expect(effectiveBranching(request({}), SandcasterConfigSchema.parse({}))).toBeUndefined();
  });

  it("merges the request's fields over it; branches replaces count and back", () => {
    expect(effectiveBranching(request({ branching: { trigger: "explicit" } }), config)).toEqual({
      count: 2,
      trigger: "explicit",
      evaluator: { type: "custom", prompt: "prefer short" },
    });
    const own = effectiveBranching(
      request({ branching: { branches: [{ model: "gpt-5" }] } }),
      config,
    );
    expect(own).not.toHaveProperty("count");
    expect(own?.branches).toEqual([{ model: "gpt-5" }]);
    expect(effectiveBranching(request({ branching: { enabled: false } }), config)).toMatchObject({
      enabled: false,
    });
  });

  it("never makes a session's turn branch; its own branching still reaches the refusal", () => {
    expect(effectiveBranching(request({ sessionId: "sess_1" }), config)).toBeUndefined();
    expect(
      effectiveBranching(request({ sessionId: "sess_1", branching: { count: 2 } }), config),
    ).toEqual({ count: 2 });
  });
});
