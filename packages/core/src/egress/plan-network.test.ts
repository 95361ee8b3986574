import { QueryRequestSchema, SandcasterConfigSchema } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { PlanError } from "../errors/plan-error.js";
import { planNetwork } from "./plan-network.js";

describe("planNetwork", () => {
  const config = SandcasterConfigSchema.parse({ network: { allow: ["*.example.com"] } });

  it("returns the merged policy", () => {
    const request = QueryRequestSchema.parse({
      prompt: "x",
      network: { allow: ["a.example.com"] },
    });
    expect(planNetwork(request, config)).toEqual({
      egress: "allowlist",
      allow: ["a.example.com"],
      allowAddresses: [],
    });
  });

  it("throws a 400 PlanError naming the field that asks for more", () => {
    const request = QueryRequestSchema.parse({ prompt: "x", network: { egress: "open" } });
    const error = (() => {
      try {
        planNetwork(request, config);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PlanError);
    expect(error).toMatchObject({ field: "network.egress", status: 400 });
  });
});
