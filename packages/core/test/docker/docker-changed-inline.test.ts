// Changed files on Docker: the scanner prints small files with their content (no archive call per
// file); what it cannot or may not inline (too big, unreadable to the sandbox user) still comes
// back whole through the archive API, and a symlink is never followed.
import { describe, expect, it } from "vitest";
import { INLINE_FILE_BYTES } from "../../src/providers/docker/in-sandbox-scripts.js";
import { dockerSandboxes } from "./docker-suite.js";
import { finish, probeDocker, suiteLabels } from "./docker-test-env.js";

const available = await probeDocker();
const labels = suiteLabels();
const never = new AbortController().signal;
const BIG = INLINE_FILE_BYTES + 1000;

describe.skipIf(!available)("docker changed files, inlined by the scanner (real daemon)", () => {
  const { create } = dockerSandboxes(labels);

  it("small, big and unreadable files all come back byte for byte; symlinks are not followed", async () => {
    const sandbox = await create();
    const script = `
      const fs = require("fs");
      fs.writeFileSync("small.txt", "small\\n");
      fs.writeFileSync("big.bin", Buffer.alloc(${BIG}, 7));
      fs.writeFileSync("locked.txt", "locked\\n");
      fs.chmodSync("locked.txt", 0);
      fs.symlinkSync("/etc/hostname", "link");
      fs.writeFileSync("empty.txt", "");`;
    const run = await finish(
      await sandbox.spawn({ command: ["node", "-e", script], env: {}, signal: never }),
    );
    expect(run.status).toEqual({ exitCode: 0 });
    const changed = await sandbox.readChangedFiles(
      { maxFileBytes: 1_000_000, maxTotalBytes: 10_000_000, maxFiles: 10 },
      never,
    );
    const byPath = Object.fromEntries(
      changed.files.map((file) => [file.path, Buffer.from(file.content)]),
    );
    expect(Object.keys(byPath).sort()).toEqual(["big.bin", "empty.txt", "locked.txt", "small.txt"]);
    expect(byPath["small.txt"]?.toString()).toBe("small\n");
    expect(byPath["big.bin"]).toEqual(Buffer.alloc(BIG, 7));
    expect(byPath["locked.txt"]?.toString()).toBe("locked\n");
    expect(byPath["empty.txt"]?.length).toBe(0);
    expect(changed.skipped).toEqual([]);

    // The limits hold for inlined content as for read content.
    const limited = await sandbox.readChangedFiles(
      { maxFileBytes: 3, maxTotalBytes: 10_000_000, maxFiles: 10 },
      never,
    );
    expect(limited.files.map((file) => file.path)).toEqual(["empty.txt"]);
    expect(limited.skipped.map((file) => [file.path, file.reason])).toEqual([
      ["big.bin", "file_too_large"],
      ["locked.txt", "file_too_large"],
      ["small.txt", "file_too_large"],
    ]);
  }, 120_000);
});
