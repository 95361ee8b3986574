// read_file: line numbers, offset/limit windows, refusals of dirs, binaries and outside paths.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readFileTool } from "./read-file.js";
import { makeSandbox, type Sandbox } from "./test-helpers.js";

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
  await writeFile(path.join(box.cwd, "five.txt"), "one\ntwo\nthree\nfour\nfive\n");
});
afterEach(async () => {
  await box.cleanup();
});

const read = (input: unknown, limit?: number) =>
  readFileTool.run(input, box.context(limit ? { outputLimitChars: limit } : {}));

describe("read_file", () => {
  it("numbers the lines", async () => {
    expect(await read({ path: "five.txt" })).toEqual({
      isError: false,
      content: "   1\tone\n   2\ttwo\n   3\tthree\n   4\tfour\n   5\tfive",
    });
  });

  it("shows a window with offset and limit and says how to go on", async () => {
    const r = await read({ path: "five.txt", offset: 2, limit: 2 });
    expect(r.content).toBe("   2\ttwo\n   3\tthree\n[... 2 more lines; read on with offset=4]");
    expect((await read({ path: "five.txt", offset: 4 })).content).toBe("   4\tfour\n   5\tfive");
  });

  it("refuses an offset past the end", async () => {
    const r = await read({ path: "five.txt", offset: 9 });
    expect(r.isError).toBe(true);
    expect(r.content).toContain("has 5 lines");
  });

  it("cuts long output at a line boundary", async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`).join("\n");
    await writeFile(path.join(box.cwd, "long.txt"), lines);
    const r = await read({ path: "long.txt" }, 500);
    expect(r.isError).toBe(false);
    expect(r.content.length).toBeLessThanOrEqual(600);
    expect(r.content).toMatch(
      /\[\.\.\. output cut at line (\d+) of 1000; read on with offset=\d+\]$/,
    );
  });

  it("refuses directories, binaries and missing files", async () => {
    await mkdir(path.join(box.cwd, "dir"));
    await writeFile(path.join(box.cwd, "bin.dat"), Buffer.from([0x50, 0x4b, 0x00, 0x01]));
    const dir = await read({ path: "dir" });
    expect(dir.isError).toBe(true);
    expect(dir.content).toContain("is a directory");
    const bin = await read({ path: "bin.dat" });
    expect(bin).toEqual({
      isError: true,
      content: "bin.dat is a binary file; it cannot be shown as text",
    });
    expect(await read({ path: "nope.txt" })).toEqual({
      isError: true,
      content: "file not found: nope.txt",
    });
  });

  it("refuses paths outside the working directory", async () => {
    await writeFile(path.join(box.outside, "secret.txt"), "secret");
    await symlink(path.join(box.outside, "secret.txt"), path.join(box.cwd, "link.txt"));
    for (const p of ["../outside/secret.txt", path.join(box.outside, "secret.txt"), "link.txt"]) {
      const r = await read({ path: p });
      expect(r.isError, p).toBe(true);
      expect(r.content).toContain("outside the working directory");
      expect(r.content).not.toContain("secret\n");
    }
  });

  it("validates input", async () => {
    expect(await read({ path: "five.txt", offset: 0 })).toMatchObject({ isError: true });
    const r = await read({});
    expect(r.content).toMatch(/^invalid input: path: /);
  });
});
