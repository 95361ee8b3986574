import { describe, expect, it } from "vitest";
import { PlanError } from "../errors/plan-error.js";
import type { SandboxProvider } from "./sandbox.js";
import { createProviderSelector } from "./select-provider.js";

function fake(name: "local" | "docker" | "e2b", available = true): SandboxProvider {
  return {
    name,
    isAvailable: async () => available,
    create: async () => Promise.reject(new Error("unused")),
  };
}

describe("createProviderSelector", () => {
  it("takes the request's choice, then sandcaster.json's", async () => {
    const local = fake("local");
    const docker = fake("docker");
    const selector = createProviderSelector({ local, docker }, "local");
    expect(await selector.select("docker")).toBe(docker);
    expect(await selector.select(undefined)).toBe(local);
  });

  it("prefers e2b, then a reachable docker, then local", async () => {
    const local = fake("local");
    expect(
      await createProviderSelector({ local, docker: fake("docker", false) }, undefined).select(
        undefined,
      ),
    ).toBe(local);
    const docker = fake("docker");
    expect(await createProviderSelector({ local, docker }, undefined).select(undefined)).toBe(
      docker,
    );
    const e2b = fake("e2b");
    expect(await createProviderSelector({ local, docker, e2b }, undefined).select(undefined)).toBe(
      e2b,
    );
  });

  it("refuses a provider this server lacks, naming the field", async () => {
    const selector = createProviderSelector({ local: fake("local") }, undefined);
    await expect(selector.select("e2b")).rejects.toMatchObject({ field: "sandboxProvider" });
    await expect(selector.select("e2b")).rejects.toBeInstanceOf(PlanError);
  });

  it("runs a request's own E2B key on a provider made for it, and only on e2b", async () => {
    const made: string[] = [];
    const selector = createProviderSelector(
      { local: fake("local") },
      {
        e2bForKey: (key) => {
          made.push(key);
          return fake("e2b");
        },
      },
    );
    expect((await selector.select(undefined, { e2bApiKey: "e2b_k" })).name).toBe("e2b");
    expect(made).toEqual(["e2b_k"]);
    await expect(selector.select("local", { e2bApiKey: "e2b_k" })).rejects.toMatchObject({
      field: "apiKeys.e2b",
    });
  });
});
