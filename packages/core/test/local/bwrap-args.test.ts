import { describe, expect, it } from "vitest";
import {
  type BwrapArgsInput,
  buildBwrapArgs,
  envArgs,
  namespaceArgs,
} from "../../src/providers/local/bwrap-args.js";

const BASE: BwrapArgsInput = {
  layout: {
    system: [
      { path: "/usr", kind: "dir" },
      { path: "/bin", kind: "symlink", target: "usr/bin" },
      { path: "/lib64", kind: "dir" },
    ],
    etc: ["/etc/resolv.conf", "/etc/ssl/certs"],
  },
  workspace: "/tmp/sb/workspace",
  runner: "/tmp/sb/runner",
  passwd: "/tmp/sb/etc/passwd",
  group: "/tmp/sb/etc/group",
  network: "none",
  tmpSizeBytes: 1024,
  hostSocket: "/tmp/sb/sock",
  cwd: "/workspace",
  envFd: 3,
  command: ["/usr/bin/node", "/opt/sandcaster/runner.mjs", "--flag"],
};

/** The value following each occurrence of `flag` (pairs or triples flattened). */
function after(args: string[], flag: string, count = 1): string[][] {
  const out: string[][] = [];
  args.forEach((arg, i) => {
    if (arg === flag) out.push(args.slice(i + 1, i + 1 + count));
  });
  return out;
}

describe("buildBwrapArgs", () => {
  it("isolates namespaces, runs as 1000:1000 and dies with its parent", () => {
    const args = buildBwrapArgs(BASE);
    for (const flag of [
      "--unshare-user",
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-uts",
      "--unshare-net",
      "--die-with-parent",
      "--new-session",
      "--disable-userns",
    ]) {
      expect(args).toContain(flag);
    }
    expect(after(args, "--uid")).toEqual([["1000"]]);
    expect(after(args, "--gid")).toEqual([["1000"]]);
  });

  it("keeps the network namespace unless network is none", () => {
    expect(buildBwrapArgs({ ...BASE, network: "bridge" })).not.toContain("--unshare-net");
    expect(buildBwrapArgs({ ...BASE, network: "host" })).not.toContain("--unshare-net");
    expect(namespaceArgs("none")).toContain("--unshare-net");
  });

  it("mirrors the system dirs read-only and symlinks as on the host", () => {
    const args = buildBwrapArgs(BASE);
    const roBinds = after(args, "--ro-bind", 2);
    expect(roBinds).toContainEqual(["/usr", "/usr"]);
    expect(roBinds).toContainEqual(["/lib64", "/lib64"]);
    expect(after(args, "--symlink", 2)).toEqual([["usr/bin", "/bin"]]);
  });

  it("binds only the listed /etc pieces and synthetic passwd/group, never /etc itself", () => {
    const args = buildBwrapArgs(BASE);
    expect(after(args, "--ro-bind-try", 2)).toEqual([
      ["/etc/resolv.conf", "/etc/resolv.conf"],
      ["/etc/ssl/certs", "/etc/ssl/certs"],
    ]);
    const roBinds = after(args, "--ro-bind", 2);
    expect(roBinds).toContainEqual(["/tmp/sb/etc/passwd", "/etc/passwd"]);
    expect(roBinds).toContainEqual(["/tmp/sb/etc/group", "/etc/group"]);
    expect(args).not.toContain("/etc");
    // "/" appears only to be made read-only, never as a bind source.
    const sources = [...after(args, "--bind", 2), ...roBinds].map(([source]) => source);
    expect(sources).not.toContain("/");
    expect(args.filter((arg) => arg === "/")).toHaveLength(1);
  });

  it("binds the workspace read-write and the runner read-only, with fresh /proc /dev /tmp", () => {
    const args = buildBwrapArgs(BASE);
    expect(after(args, "--bind", 2)).toEqual([["/tmp/sb/workspace", "/workspace"]]);
    expect(after(args, "--ro-bind", 2)).toContainEqual(["/tmp/sb/runner", "/opt/sandcaster"]);
    expect(after(args, "--proc")).toEqual([["/proc"]]);
    expect(after(args, "--dev")).toEqual([["/dev"]]);
    expect(after(args, "--tmpfs")).toEqual([["/dev/shm"], ["/tmp"]]);
    expect(after(args, "--size", 2)).toEqual([
      ["1024", "--tmpfs"],
      ["1024", "--tmpfs"],
    ]);
    expect(after(args, "--chdir")).toEqual([["/workspace"]]);
  });

  it("binds from inherited fds when given them", () => {
    const args = buildBwrapArgs({
      ...BASE,
      workspace: { fd: 4 },
      runner: { fd: 5 },
      passwd: { fd: 6 },
    });
    expect(after(args, "--bind-fd", 2)).toEqual([["4", "/workspace"]]);
    expect(after(args, "--ro-bind-fd", 2)).toEqual([
      ["6", "/etc/passwd"],
      ["5", "/opt/sandcaster"],
    ]);
    expect(args).not.toContain("--bind");
  });

  it("makes /, /dev and /proc read-only after every mount, and binds the socket dir read-only", () => {
    const args = buildBwrapArgs(BASE);
    expect(after(args, "--remount-ro")).toEqual([["/proc"], ["/dev"], ["/"]]);
    const lastMount = Math.max(
      args.lastIndexOf("--bind"),
      args.lastIndexOf("--ro-bind"),
      args.lastIndexOf("--tmpfs"),
    );
    expect(args.lastIndexOf("--remount-ro")).toBeGreaterThan(lastMount);
    expect(after(args, "--ro-bind", 2)).toContainEqual(["/tmp/sb/sock", "/run/sandcaster"]);
  });

  it("reads the environment from a pipe: never a --setenv on the command line", () => {
    const args = buildBwrapArgs(BASE);
    expect(args).not.toContain("--setenv");
    expect(after(args, "--args")).toEqual([["3"]]);
    expect(args.indexOf("--args")).toBeGreaterThan(args.indexOf("--clearenv"));
    const sep = args.lastIndexOf("--");
    expect(args.slice(sep + 1)).toEqual(BASE.command);
    const piped = Buffer.from(envArgs({ PATH: "/usr/bin", KEY: "a b=c" })).toString("utf8");
    expect(piped.split("\0")).toEqual([
      "--setenv",
      "PATH",
      "/usr/bin",
      "--setenv",
      "KEY",
      "a b=c",
      "",
    ]);
  });

  it("binds the node dir read-only when node lives outside the system dirs", () => {
    const args = buildBwrapArgs({
      ...BASE,
      nodeBind: { hostDir: "/root/.nvm/versions/node/v20/bin", sandboxDir: "/opt/sandcaster-node" },
    });
    expect(after(args, "--ro-bind", 2)).toContainEqual([
      "/root/.nvm/versions/node/v20/bin",
      "/opt/sandcaster-node",
    ]);
  });

  it("omits the tmpfs size when none is given and rejects an empty command", () => {
    expect(buildBwrapArgs({ ...BASE, tmpSizeBytes: undefined })).not.toContain("--size");
    expect(
      after(buildBwrapArgs({ ...BASE, hostSocket: undefined }), "--ro-bind", 2),
    ).not.toContainEqual(["/tmp/sb/sock", "/run/sandcaster"]);
    expect(() => buildBwrapArgs({ ...BASE, command: [] })).toThrow();
  });
});
