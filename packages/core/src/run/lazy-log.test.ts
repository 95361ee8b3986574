import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { lazyChild } from "./lazy-log.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino({ level: "info" }, stream);
  const made = { children: 0 };
  const child = logger.child;
  // Inherited by every child (pino children are made with Object.create): counts them all.
  logger.child = function countedChild(this: typeof logger, ...args: Parameters<typeof child>) {
    made.children++;
    return child.apply(this, args);
  } as typeof logger.child;
  return { lines, logger, made };
}

describe("lazyChild", () => {
  it("makes no pino child until the first use, then logs with the bindings", () => {
    const { lines, logger, made } = capture();
    const log = lazyChild(logger, { runId: "run_1" });
    const nested = lazyChild(log, { extension: "gateway" });
    expect(made.children).toBe(0);
    nested.warn({ code: 7 }, "first line");
    log.info("second line");
    expect(made.children).toBe(2);
    expect(lines).toEqual([
      expect.objectContaining({ runId: "run_1", extension: "gateway", code: 7, msg: "first line" }),
      expect.objectContaining({ runId: "run_1", msg: "second line" }),
    ]);
    expect(lines[1]).not.toHaveProperty("extension");
  });

  it("makes no child for a line below the level, and keeps the parent's level checks", () => {
    const { lines, logger, made } = capture();
    const log = lazyChild(lazyChild(logger, { runId: "run_2" }), { extension: "gateway" });
    log.debug("below the level");
    expect(made.children).toBe(0);
    expect(log.isLevelEnabled("debug")).toBe(false);
    expect(lines).toEqual([]);
  });
});
