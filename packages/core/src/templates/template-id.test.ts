import { describe, expect, it } from "vitest";
import { templateId } from "./template-id.js";

const spec = { base: { docker: "img:1" }, env: { A: "1", B: "2" }, setup: ["make"] };

describe("templateId", () => {
  it("is the same for key order and spelled-out defaults", () => {
    const reordered = {
      setup: ["make"],
      env: { B: "2", A: "1" },
      base: { docker: "img:1" },
      packages: { apt: [], npm: [], pip: [] },
      files: [],
      workdir: "/opt/template",
    };
    expect(templateId(reordered)).toBe(templateId(spec));
    expect(templateId(spec)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes with any content: a setup command, an env value, the base", () => {
    const ids = new Set([
      templateId(spec),
      templateId({ ...spec, setup: ["make install"] }),
      templateId({ ...spec, env: { A: "1", B: "3" } }),
      templateId({ ...spec, base: { docker: "img:2" } }),
    ]);
    expect(ids.size).toBe(4);
  });
});
