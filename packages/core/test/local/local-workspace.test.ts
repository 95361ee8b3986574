// Local session workspaces: a dir that outlives each turn's sandbox (real bwrap when it works, and
// unisolated), reports only each turn's changes, and exports/imports byte for byte.
import { existsSync } from "node:fs";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalProvider, type LocalSandboxProvider } from "../../src/providers/local/index.js";
import type { LocalSandbox } from "../../src/providers/local/local-sandbox.js";
import {
  mountWorkspaceImage,
  unmountWorkspaceImage,
} from "../../src/providers/local/workspace-image.js";
import type { Sandbox, SessionWorkspace } from "../../src/sandbox/sandbox.js";
import { BINARY, bytesOf, describeTar, rawTar, streamOf } from "../workspace-archives.js";

/** Runs `look` with the workspace's image mounted (as a turn would have it), then unmounts it. */
async function whileMounted<T>(ref: string, look: () => Promise<T>): Promise<T> {
  const mounted = await mountWorkspaceImage(ref);
  try {
    return await look();
  } finally {
    if (mounted) await unmountWorkspaceImage(ref);
  }
}

import { LIMITS, makeBaseDir, readText, signal } from "./helpers.js";

const modes = [...(hasService("bwrap") ? (["bwrap"] as const) : []), "none" as const];
const limits = { maxFileBytes: 1 << 20, maxTotalBytes: 1 << 22, maxFiles: 100 };

describe.each(modes)("local session workspaces (isolation %s)", (isolation) => {
  let baseDir: string;
  let provider: LocalSandboxProvider;
  const sandboxes: Sandbox[] = [];

  beforeEach(async () => {
    baseDir = await makeBaseDir();
    provider = createLocalProvider({ isolation, baseDir });
  });

  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sb) => sb.destroy()));
    await rm(baseDir, { recursive: true, force: true });
  });

  const turn = async (workspace: SessionWorkspace) => {
    const sb = await provider.create({
      runId: "turn",
      env: {},
      limits: LIMITS,
      workspace,
      signal: signal(),
    });
    sandboxes.push(sb);
    return sb;
  };
  /** Runs `node -e script` with WS set to the workspace path; its stdout. */
  const node = async (sb: Sandbox, script: string) => {
    const env = { WS: sb.workspacePath };
    const proc = await sb.spawn({ command: [sb.nodePath, "-e", script], env, signal: signal() });
    const [out, err, exit] = await Promise.all([
      readText(proc.stdout),
      readText(proc.stderr),
      proc.wait(),
    ]);
    expect(exit, err).toEqual({ exitCode: 0 });
    return out;
  };
  const changedPaths = async (sb: Sandbox) =>
    (await sb.readChangedFiles(limits, signal())).files.map((file) => file.path);

  it("creates an empty dir under <baseDir>/sandcaster-workspaces", async () => {
    const workspace = await provider.createWorkspace("ses/1", signal());
    expect(workspace.provider).toBe("local");
    expect(workspace.ref).toMatch(
      new RegExp(`^${baseDir}/sandcaster-workspaces/sandcaster-ws-ses_1-\\w+$`),
    );
    expect(await readdir(workspace.ref)).toEqual([]);
    expect((await stat(workspace.ref)).mode & 0o777).toBe(0o755);
    // As root the workspace is its own size-capped image, mounted only while in use.
    expect(existsSync(`${workspace.ref}.img`)).toBe(process.getuid?.() === 0);
  });

  it("carries files across turns in new sandboxes; each turn reports only its own changes", async () => {
    const workspace = await provider.createWorkspace("ses-turns", signal());
    const first = await turn(workspace);
    const firstDir = (first as LocalSandbox).hostDir;
    expect(existsSync(join(firstDir, "workspace"))).toBe(false);
    if (isolation === "bwrap") expect(first.workspacePath).toBe("/workspace");
    else expect(first.workspacePath).toBe(workspace.ref);
    await first.writeFiles(
      [{ path: `${first.workspacePath}/staged.txt`, content: Buffer.from("in") }],
      signal(),
    );
    await node(
      first,
      `const fs = require("fs"), ws = process.env.WS;
       fs.writeFileSync(ws + "/a.txt", "turn one");
       fs.mkdirSync(ws + "/bin");
       fs.writeFileSync(ws + "/bin/data.bin", Buffer.from(${JSON.stringify([...BINARY])}));`,
    );
    expect(await changedPaths(first)).toEqual(["a.txt", "bin/data.bin"]);
    await first.destroy();
    expect(existsSync(firstDir)).toBe(false);
    // Between turns the image (root) is not mounted: look through a mount of our own.
    expect(
      await whileMounted(workspace.ref, () => readFile(join(workspace.ref, "bin/data.bin"))),
    ).toEqual(Buffer.from(BINARY));

    const second = await turn(workspace);
    expect(second.id).not.toBe(first.id);
    expect(await changedPaths(second)).toEqual([]);
    await second.writeFiles(
      [{ path: `${second.workspacePath}/staged2.txt`, content: Buffer.from("in") }],
      signal(),
    );
    const seen = await node(
      second,
      `const fs = require("fs"), ws = process.env.WS;
       console.log(fs.readFileSync(ws + "/a.txt", "utf8"), fs.readFileSync(ws + "/bin/data.bin").toString("hex"));
       fs.appendFileSync(ws + "/a.txt", ", turn two");
       fs.writeFileSync(ws + "/c.txt", "new");`,
    );
    expect(seen.trim()).toBe(`turn one ${Buffer.from(BINARY).toString("hex")}`);
    const changed = await second.readChangedFiles(limits, signal());
    expect(changed.files.map((file) => [file.path, Buffer.from(file.content).toString()])).toEqual([
      ["a.txt", "turn one, turn two"],
      ["c.txt", "new"],
    ]);
    await second.destroy();
    expect(existsSync(workspace.ref)).toBe(true);
  });

  it("exports and imports byte for byte, replacing what was there", async () => {
    const source = await provider.createWorkspace("ses-export", signal());
    const writer = await turn(source);
    await node(
      writer,
      `const fs = require("fs"), ws = process.env.WS;
       fs.mkdirSync(ws + "/dir/empty", { recursive: true });
       fs.writeFileSync(ws + "/dir/data.bin", Buffer.from(${JSON.stringify([...BINARY])}));
       fs.writeFileSync(ws + "/run.sh", "#!/bin/sh\\n", { mode: 0o755 });
       fs.symlinkSync("/etc/passwd", ws + "/link");`,
    );
    await writer.destroy();
    const tar = await bytesOf(await provider.exportWorkspace(source, signal()));
    const exported = await describeTar(tar);
    expect(exported).toEqual({
      dir: "dir 755",
      "dir/data.bin": `file 644 ${Buffer.from(BINARY).toString("hex")}`,
      "dir/empty": "dir 755",
      "run.sh": `file 755 ${Buffer.from("#!/bin/sh\n").toString("hex")}`,
    });

    const target = await provider.createWorkspace("ses-import", signal());
    const old = await turn(target);
    await node(
      old,
      `const fs = require("fs"), ws = process.env.WS;
       fs.mkdirSync(ws + "/locked/deep", { recursive: true });
       fs.writeFileSync(ws + "/locked/deep/x", "x");
       fs.chmodSync(ws + "/locked", 0);
       fs.writeFileSync(ws + "/stale.txt", "stale");`,
    );
    await expect(provider.importWorkspace(target, streamOf(tar), signal())).rejects.toMatchObject({
      code: "SANDBOX_IO_FAILED",
      message: expect.stringMatching(/a sandbox is using it/),
    });
    await old.destroy();
    await provider.importWorkspace(target, streamOf(tar), signal());
    expect(await describeTar(await provider.exportWorkspace(target, signal()))).toEqual(exported);
    const reader = await turn(target);
    await node(reader, `require("fs").appendFileSync(process.env.WS + "/dir/data.bin", "!")`);
    expect(await changedPaths(reader)).toEqual(["dir/data.bin"]);
  });

  it("refuses unsafe archives and leaves the workspace as it was", async () => {
    const workspace = await provider.createWorkspace("ses-refuse", signal());
    const keep = await rawTar([{ name: "keep.txt", type: "file", content: "k" }]);
    await provider.importWorkspace(workspace, streamOf(keep), signal());
    const hostile = [
      [{ name: "../evil", type: "file", content: "x" }],
      [{ name: "/tmp/evil", type: "file", content: "x" }],
      [{ name: "a/../../evil", type: "file", content: "x" }],
      [{ name: "link", type: "symlink", linkname: "/etc/passwd" }],
      [{ name: "hard", type: "link", linkname: "keep.txt" }],
      [
        { name: "f", type: "file", content: "x" },
        { name: "f/g", type: "file", content: "x" },
      ],
    ] as const;
    for (const entries of hostile) {
      await expect(
        provider.importWorkspace(workspace, streamOf(await rawTar(entries)), signal()),
      ).rejects.toMatchObject({
        code: "SANDBOX_INVALID_ARCHIVE",
      });
    }
    expect(await whileMounted(workspace.ref, () => readdir(workspace.ref))).toEqual(["keep.txt"]);
    expect(existsSync(join(baseDir, "evil"))).toBe(false);
  });
});
