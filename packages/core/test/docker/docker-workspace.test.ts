// Session workspaces on the real daemon: a volume outlives each turn's container, exports and
// imports byte for byte, and is freed only by deleteWorkspace.
import { hostname } from "node:os";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDockerProvider } from "../../src/providers/docker/index.js";
import type { Sandbox, SessionWorkspace } from "../../src/sandbox/sandbox.js";
import { BINARY, bytesOf, describeTar, rawTar, streamOf } from "../workspace-archives.js";
import {
  containersWithLabels,
  docker,
  ensureTestImage,
  finish,
  probeDocker,
  removeVolumesWithLabels,
  sandboxOptions,
  suiteLabels,
  TEST_IMAGE,
  volumeExists,
  volumesWithLabels,
} from "./docker-test-env.js";

const available = await probeDocker();
const labels = suiteLabels();
const never = new AbortController().signal;
const limits = { maxFileBytes: 1 << 20, maxTotalBytes: 1 << 22, maxFiles: 100 };

describe.skipIf(!available)("docker session workspaces (real daemon)", () => {
  const provider = createDockerProvider({ docker, image: TEST_IMAGE, labels });
  const sandboxes: Sandbox[] = [];

  const turn = async (workspace: SessionWorkspace) => {
    const sandbox = await provider.create(sandboxOptions({ workspace }));
    sandboxes.push(sandbox);
    return sandbox;
  };
  /** Runs `node -e script` in the sandbox; its stdout. */
  const node = async (sandbox: Sandbox, script: string) => {
    const proc = await sandbox.spawn({ command: ["node", "-e", script], env: {}, signal: never });
    const result = await finish(proc);
    expect(result.status, result.stderr).toEqual({ exitCode: 0 });
    return result.stdout;
  };
  const changedPaths = async (sandbox: Sandbox) =>
    (await sandbox.readChangedFiles(limits, never)).files.map((file) => file.path);

  beforeAll(ensureTestImage, 180_000);

  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.destroy()));
  });

  afterAll(async () => {
    const containers = await containersWithLabels(labels);
    const volumes = await volumesWithLabels(labels);
    await removeVolumesWithLabels(labels);
    expect(containers.map((container) => container.Names)).toEqual([]);
    expect(volumes.map((volume) => volume.Name)).toEqual([]);
  });

  it("creates a labelled volume whose root belongs to the sandbox user", async () => {
    const workspace = await provider.createWorkspace("ses-labels", never);
    expect(workspace.provider).toBe("docker");
    expect(workspace.ref).toMatch(/^sandcaster-ws-ses-labels-[0-9a-f]{8}$/);
    const info = await docker.getVolume(workspace.ref).inspect();
    expect(info.Labels).toMatchObject({
      ...labels,
      "sandcaster.managed": "true",
      "sandcaster.session-id": "ses-labels",
    });
    expect(info.Labels?.["sandcaster.owner"]).toMatch(new RegExp(`^${hostname()}/${process.pid}/`));
    const listed = await provider.listWorkspaces(never);
    expect(listed).toContainEqual(expect.objectContaining({ workspace, sessionId: "ses-labels" }));
    // The helper that set the ownership is gone; the empty volume stayed empty (no copy-up).
    expect(await containersWithLabels(labels)).toEqual([]);
    const sandbox = await turn(workspace);
    const out = await node(
      sandbox,
      `const s = require("fs").statSync("/workspace");
       console.log(s.uid, s.gid, (s.mode & 0o777).toString(8), require("fs").readdirSync("/workspace").length)`,
    );
    expect(out.trim()).toBe("1000 1000 755 0");
    await provider.deleteWorkspace(workspace, never);
  });

  it("carries files across turns in new containers; each turn reports only its own changes", async () => {
    const workspace = await provider.createWorkspace("ses-turns", never);
    const first = await turn(workspace);
    await first.writeFiles([{ path: "/workspace/staged.txt", content: Buffer.from("in") }], never);
    await node(
      first,
      `const fs = require("fs");
       fs.writeFileSync("/workspace/a.txt", "turn one");
       fs.mkdirSync("/workspace/bin");
       fs.writeFileSync("/workspace/bin/data.bin", Buffer.from(${JSON.stringify([...BINARY])}));`,
    );
    expect(await changedPaths(first)).toEqual(["a.txt", "bin/data.bin"]);
    await first.destroy();
    expect(await volumeExists(workspace.ref)).toBe(true);

    const second = await turn(workspace);
    expect(second.id).not.toBe(first.id);
    expect(await changedPaths(second)).toEqual([]);
    await second.writeFiles(
      [{ path: "/workspace/staged2.txt", content: Buffer.from("in") }],
      never,
    );
    const seen = await node(
      second,
      `const fs = require("fs");
       console.log(fs.readFileSync("/workspace/a.txt", "utf8"), fs.readFileSync("/workspace/bin/data.bin").toString("hex"));
       fs.appendFileSync("/workspace/a.txt", ", turn two");
       fs.writeFileSync("/workspace/c.txt", "new");`,
    );
    expect(seen.trim()).toBe(`turn one ${Buffer.from(BINARY).toString("hex")}`);
    const changed = await second.readChangedFiles(limits, never);
    expect(changed.files.map((file) => [file.path, Buffer.from(file.content).toString()])).toEqual([
      ["a.txt", "turn one, turn two"],
      ["c.txt", "new"],
    ]);
    await provider.deleteWorkspace(workspace, never);
  });

  it("exports and imports byte for byte, replacing what was there", async () => {
    const source = await provider.createWorkspace("ses-export", never);
    const writer = await turn(source);
    await node(
      writer,
      `const fs = require("fs");
       fs.mkdirSync("/workspace/dir/empty", { recursive: true });
       fs.writeFileSync("/workspace/dir/data.bin", Buffer.from(${JSON.stringify([...BINARY])}));
       fs.writeFileSync("/workspace/run.sh", "#!/bin/sh\\n", { mode: 0o755 });
       fs.linkSync("/workspace/run.sh", "/workspace/dir/hard.sh");
       fs.symlinkSync("/etc/passwd", "/workspace/link");`,
    );
    await writer.destroy();
    const tar = await bytesOf(await provider.exportWorkspace(source, never));
    const exported = await describeTar(tar);
    // Docker's archive has the hard link as a link: the export gives it as a copy.
    expect(exported).toEqual({
      dir: "dir 755",
      "dir/data.bin": `file 644 ${Buffer.from(BINARY).toString("hex")}`,
      "dir/empty": "dir 755",
      "dir/hard.sh": `file 755 ${Buffer.from("#!/bin/sh\n").toString("hex")}`,
      "run.sh": `file 755 ${Buffer.from("#!/bin/sh\n").toString("hex")}`,
    });

    const target = await provider.createWorkspace("ses-import", never);
    const old = await turn(target);
    // Leftovers the import must clear, even a directory the agent locked itself out of.
    await node(
      old,
      `const fs = require("fs");
       fs.mkdirSync("/workspace/locked/deep", { recursive: true });
       fs.writeFileSync("/workspace/locked/deep/x", "x");
       fs.chmodSync("/workspace/locked", 0);
       fs.writeFileSync("/workspace/stale.txt", "stale");`,
    );
    await old.destroy();
    await provider.importWorkspace(target, streamOf(tar), never);
    expect(await describeTar(await provider.exportWorkspace(target, never))).toEqual(exported);
    const reader = await turn(target);
    const owners = await node(
      reader,
      `const fs = require("fs");
       fs.appendFileSync("/workspace/dir/data.bin", "!");
       console.log(["", "dir", "dir/data.bin"].map((p) => fs.statSync("/workspace/" + p).uid).join(" "));`,
    );
    expect(owners.trim()).toBe("1000 1000 1000");
    await provider.deleteWorkspace(source, never);
    await provider.deleteWorkspace(target, never);
  });

  it("refuses unsafe archives and leaves the workspace as it was", async () => {
    const workspace = await provider.createWorkspace("ses-refuse", never);
    await provider.importWorkspace(
      workspace,
      streamOf(await rawTar([{ name: "keep.txt", type: "file", content: "k" }])),
      never,
    );
    const hostile = [
      [{ name: "../evil", type: "file", content: "x" }],
      [{ name: "/etc/evil", type: "file", content: "x" }],
      [{ name: "a/../../evil", type: "file", content: "x" }],
      [{ name: "link", type: "symlink", linkname: "/etc/passwd" }],
      [{ name: "hard", type: "link", linkname: "keep.txt" }],
    ] as const;
    for (const entries of hostile) {
      await expect(
        provider.importWorkspace(workspace, streamOf(await rawTar(entries)), never),
      ).rejects.toMatchObject({ code: "SANDBOX_INVALID_ARCHIVE" });
    }
    expect(
      Object.keys(await describeTar(await provider.exportWorkspace(workspace, never))),
    ).toEqual(["keep.txt"]);
    await provider.deleteWorkspace(workspace, never);
  });

  it("deleteWorkspace removes our container using it, then the volume; idempotent", async () => {
    const workspace = await provider.createWorkspace("ses-delete", never);
    const sandbox = await turn(workspace);
    await provider.deleteWorkspace(workspace, never);
    expect(await volumeExists(workspace.ref)).toBe(false);
    expect(await sandbox.checkHealth?.(never)).toBe(false);
    await provider.deleteWorkspace(workspace, never);
    // A missing volume is an error, not silently recreated by the mount.
    await expect(provider.create(sandboxOptions({ workspace }))).rejects.toMatchObject({
      code: "SANDBOX_CREATE_FAILED",
    });
    expect(await volumeExists(workspace.ref)).toBe(false);
  });

  it("refuses refs that are not its session volumes", async () => {
    const foreign = "sandcaster-ws-not-ours";
    await docker.createVolume({ Name: foreign, Labels: { ...labels } });
    const ws = { provider: "docker" as const, ref: foreign };
    await expect(provider.deleteWorkspace(ws, never)).rejects.toMatchObject({
      code: "SANDBOX_IO_FAILED",
    });
    await expect(provider.create(sandboxOptions({ workspace: ws }))).rejects.toMatchObject({
      code: "SANDBOX_CREATE_FAILED",
    });
    await expect(
      provider.exportWorkspace({ provider: "docker", ref: "/var/lib" }, never),
    ).rejects.toMatchObject({ code: "SANDBOX_IO_FAILED" });
    expect(await volumeExists(foreign)).toBe(true);
    await docker.getVolume(foreign).remove();
  });

  it("the orphan sweep removes a crashed turn's container but never its volume", async () => {
    const workspace = await provider.createWorkspace("ses-sweep", never);
    const first = await turn(workspace);
    await node(first, `require("fs").writeFileSync("/workspace/kept.txt", "kept")`);
    await first.destroy();
    const crashed = await docker.createContainer({
      Image: TEST_IMAGE,
      Entrypoint: ["node"],
      Cmd: ["-e", "setTimeout(() => {}, 600000)"],
      Labels: {
        ...labels,
        "sandcaster.managed": "true",
        "sandcaster.owner": `${hostname()}/999999999/0`,
      },
      HostConfig: {
        Mounts: [{ Type: "volume", Source: workspace.ref, Target: "/workspace" }],
      },
    });
    await crashed.start();
    expect(await provider.sweepOrphans(never)).toBe(1);
    expect(await volumeExists(workspace.ref)).toBe(true);
    const files = await describeTar(await provider.exportWorkspace(workspace, never));
    expect(Object.keys(files)).toEqual(["kept.txt"]);
    await provider.deleteWorkspace(workspace, never);
  });
});
