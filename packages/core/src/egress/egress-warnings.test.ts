import type { WarningEvent } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { createDenialReporter, egressDeniedWarning } from "./egress-warnings.js";

describe("egress warnings", () => {
  it("names the host, port and reason with code EGRESS_DENIED", () => {
    expect(
      egressDeniedWarning("evil.test", { kind: "policy", message: "not allowed", port: 443 }),
    ).toEqual({
      type: "warning",
      code: "EGRESS_DENIED",
      content: "egress refused: evil.test:443: not allowed",
    });
    expect(
      egressDeniedWarning("::1", { kind: "address", message: "x", port: 80 }).content,
    ).toContain("[::1]:80");
  });

  it("counts every refusal but warns only up to the bound, then once more", () => {
    const warnings: WarningEvent[] = [];
    let counted = 0;
    const report = createDenialReporter({
      emit: (w) => warnings.push(w),
      count: () => counted++,
      max: 3,
    });
    for (let i = 0; i < 10; i++) report(`h${i}.test`, { kind: "policy", message: "no", port: 443 });
    expect(counted).toBe(10);
    expect(warnings).toHaveLength(4);
    expect(warnings[3]?.content).toContain("more than 3 times");
    expect(warnings.every((w) => w.code === "EGRESS_DENIED")).toBe(true);
  });
});
