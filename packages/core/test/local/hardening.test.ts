// Attacks on a real bwrap sandbox from inside, and what the host sees meanwhile: no host root, a
// read-only system, no key on any command line, limits that hold and leave nothing behind.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkBwrap } from "../../src/providers/local/bwrap-host.js";
import { CGROUP_PARENT } from "../../src/providers/local/cgroups.js";
import { createLocalProvider } from "../../src/providers/local/index.js";
import type { LocalSandbox } from "../../src/providers/local/local-sandbox.js";
import { mountsUnder } from "../../src/providers/local/workspace-volume.js";
import type { SandboxLimits } from "../../src/sandbox/sandbox.js";
import { LIMITS, makeBaseDir, readText, readUntil, signal } from "./helpers.js";

const status = await checkBwrap(undefined, process.execPath);
const isRoot = process.getuid?.() === 0;
const SECRET = "sk-hardening-test-secret-4242";

/** Every host pid whose /proc/<pid>/cmdline contains `text`. */
async function cmdlinesWith(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(text)) pids.push(Number(name));
  }
  return pids;
}

function cgroupDirs(name: string): string[] {
  return ["memory", "pids", "cpu"].map((c) => `/sys/fs/cgroup/${c}/${CGROUP_PARENT}/${name}`);
}

describe.runIf(status.ok)("local sandbox hardening (bwrap)", () => {
  let baseDir: string;
  const sandboxes: LocalSandbox[] = [];

  beforeEach(async () => {
    baseDir = await makeBaseDir();
  });
  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sb) => sb.destroy()));
    await rm(baseDir, { recursive: true, force: true });
  });

  async function sandbox(limits: Partial<SandboxLimits> = {}, diskMb = 64): Promise<LocalSandbox> {
    const provider = createLocalProvider({ isolation: "bwrap", baseDir, diskMb });
    const sb = (await provider.create({
      runId: "harden",
      env: {},
      limits: { ...LIMITS, ...limits },
      signal: signal(),
    })) as LocalSandbox;
    sandboxes.push(sb);
    return sb;
  }

  async function sh(sb: LocalSandbox, script: string, env: Record<string, string> = {}) {
    const proc = await sb.spawn({ command: ["/bin/sh", "-c", script], env, signal: signal() });
    const [out, err, exit] = await Promise.all([
      readText(proc.stdout),
      readText(proc.stderr),
      proc.wait(),
    ]);
    return { out, err, exit };
  }

  it.runIf(isRoot)(
    "runs every sandboxed process as the sandbox user, never host root",
    async () => {
      const sb = await sandbox();
      const proc = await sb.spawn({
        command: ["/bin/sh", "-c", "sleep 30 & echo started; wait"],
        env: {},
        signal: signal(),
      });
      await readUntil(proc.stdout, "started");
      const name = `${sb.id}.`;
      const [pidsDir] = (await readdir(`/sys/fs/cgroup/pids/${CGROUP_PARENT}`))
        .filter((n) => n.startsWith(name))
        .map((n) => `/sys/fs/cgroup/pids/${CGROUP_PARENT}/${n}`);
      const pids = (await readFile(`${pidsDir}/cgroup.procs`, "utf8")).split("\n").filter(Boolean);
      // bwrap's own processes, the shell and its sleep: all in the cgroup, none host root.
      expect(pids.length).toBeGreaterThanOrEqual(3);
      const uids = execFileSync("ps", ["-o", "uid=", "-p", pids.join(",")], { encoding: "utf8" })
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
      expect(uids.length).toBe(pids.length);
      expect(uids.every((uid) => uid === "65534")).toBe(true);
      await proc.kill();
    },
  );

  it("has no host root inside: root's files are unmapped and the system is read-only", async () => {
    const sb = await sandbox();
    const { out } = await sh(
      sb,
      [
        "cat /proc/self/uid_map",
        "stat -c 'usr-owner=%u' /usr",
        'for p in /proc/sys/kernel/core_pattern /proc/sysrq-trigger /proc/self/oom_score_adj; do (echo x > $p) 2>/dev/null && echo "wrote $p"; done',
        'for d in / /etc /opt /dev /run /run/sandcaster /usr; do touch $d/probe 2>/dev/null && echo "wrote $d"; done',
        "touch /tmp/ok /dev/shm/ok /workspace/ok && echo writable-ok",
        "chown 0:0 /workspace/ok 2>/dev/null && echo chowned-to-root",
      ].join("\n"),
    );
    expect(out).not.toContain("wrote");
    expect(out).not.toContain("chowned-to-root");
    expect(out).toContain("writable-ok");
    // The sandbox's own uid maps to one host uid; host root (owner of /usr) is not mapped at all.
    expect(out).toMatch(/^\s*1000\s+\d+\s+1$/m);
    if (isRoot) expect(out).toContain("usr-owner=65534");
  });

  it.runIf(isRoot)(
    "a setuid file made inside is owned by the sandbox user on the host",
    async () => {
      const sb = await sandbox();
      const { out } = await sh(
        sb,
        "cp /bin/sh /workspace/s && chmod 4755 /workspace/s; ls -ln /workspace/s",
      );
      expect(out).toContain("/workspace/s");
      const file = await stat(
        join((sb as unknown as { init: { workspaceDir: string } }).init.workspaceDir, "s"),
      );
      expect(file.uid).toBe(65534);
      expect(file.uid).not.toBe(0);
    },
  );

  it("keeps the key off every command line, on the host and inside", async () => {
    const sb = await sandbox();
    const proc = await sb.spawn({
      command: [
        "/bin/sh",
        "-c",
        "cat /proc/[0-9]*/cmdline | tr '\\0' ' '; echo; echo listed; sleep 30",
      ],
      env: { ANTHROPIC_API_KEY: SECRET },
      signal: signal(),
    });
    const inside = await readUntil(proc.stdout, "listed");
    expect(inside).toContain("/bin/sh");
    expect(inside).not.toContain(SECRET);
    // The sandbox is running: no host process shows the key in its arguments.
    expect(await cmdlinesWith(SECRET)).toEqual([]);
    const ps = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
    expect(ps).not.toContain(SECRET);
    await proc.kill();
    // But the process does get it, and no host file or directory leaks in as an open fd.
    const { out } = await sh(
      sb,
      'echo "key=$ANTHROPIC_API_KEY"; for f in /proc/$$/fd/*; do readlink $f; done',
      {
        ANTHROPIC_API_KEY: SECRET,
      },
    );
    expect(out).toContain(`key=${SECRET}`);
    const targets = out.trim().split("\n").slice(1);
    expect(targets.length).toBeGreaterThanOrEqual(3);
    for (const target of targets)
      expect(target).toMatch(/^(pipe:|socket:|anon_inode:|\/dev\/null$|\/proc\/)/);
  });

  it("binds the host socket dir read-only at /run/sandcaster, connectable from inside", async () => {
    const sb = await sandbox({ network: "none" });
    expect(sb.hostSocketDir).toBeDefined();
    const socketPath = join(sb.hostSocketDir as string, "gateway.sock");
    const server = createServer((socket) => socket.end("hello from the host\n"));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    await chmod(socketPath, 0o666);
    try {
      const { out, err } = await sh(
        sb,
        [
          `node -e 'require("net").connect("/run/sandcaster/gateway.sock").on("data", (d) => process.stdout.write(d))'`,
          "touch /run/sandcaster/x 2>/dev/null && echo wrote-socket-dir",
          // Loopback is up in the sandbox's own network namespace: a relay can listen on it.
          `node -e 'const n=require("net");const s=n.createServer(c=>c.end("lo-ok\\n")).listen(0,"127.0.0.1",()=>n.connect(s.address().port,"127.0.0.1").on("data",d=>{process.stdout.write(d);s.close()}))'`,
        ].join("\n"),
      );
      expect(out, err).toContain("hello from the host");
      expect(out).toContain("lo-ok");
      expect(out).not.toContain("wrote-socket-dir");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const dir = sb.hostSocketDir as string;
    await sb.destroy();
    expect(existsSync(dir)).toBe(false);
  });

  it.runIf(isRoot)(
    "bounds memory, processes and disk, says so, and leaves nothing behind",
    async () => {
      const sb = await sandbox({ memoryMb: 128, pids: 64 }, 64);
      const hog = await sh(
        sb,
        `node -e 'const a=[];for(;;)a.push(Buffer.alloc(8<<20,1))'; echo "hog=$?"`,
      );
      expect(hog.out).toMatch(/hog=(137|134)/);
      // A bounded fork bomb: 200 sleeps wanted, the limit refuses most, all are killed after.
      const forks = await sh(
        sb,
        `node -e 'const {spawn}=require("child_process");let ok=0,fail=0;const kids=[];for(let i=0;i<200;i++){try{const c=spawn("sleep",["30"]);c.on("error",()=>{});if(c.pid)kids.push(c);else fail++}catch{fail++}}setTimeout(()=>{console.log("forks="+kids.length+" failed="+fail);for(const k of kids)k.kill("SIGKILL");process.exit(0)},500)'`,
      );
      const forked = Number(/forks=(\d+)/.exec(forks.out)?.[1] ?? "999");
      expect(forked, forks.out + forks.err).toBeLessThan(64);
      const fill = await sh(
        sb,
        "dd if=/dev/zero of=/workspace/fill bs=1M count=200 2>&1; echo dd=$?",
      );
      expect(fill.out).toContain("No space left on device");
      expect(fill.out).not.toContain("dd=0");
      const warnings = await sb.limitWarnings();
      expect(warnings.join("\n")).toContain("memory limit (128 MB)");
      expect(warnings.join("\n")).toContain("process limit (64)");
      expect(warnings.join("\n")).toContain("disk limit (64 MB)");

      const cgroupName = (await readdir(`/sys/fs/cgroup/pids/${CGROUP_PARENT}`)).find((n) =>
        n.startsWith(`${sb.id}.`),
      ) as string;
      expect(cgroupName).toBeDefined();
      await sb.destroy();
      for (const dir of cgroupDirs(cgroupName)) expect(existsSync(dir)).toBe(false);
      expect(await mountsUnder(sb.hostDir)).toEqual([]);
      expect(existsSync(sb.hostDir)).toBe(false);
    },
  );

  it.runIf(isRoot)(
    "sweeps the cgroup and the mounted workspace a crashed server left",
    async () => {
      const provider = createLocalProvider({ isolation: "bwrap", baseDir, diskMb: 64 });
      const sb = (await provider.create({
        runId: "crash",
        env: {},
        limits: LIMITS,
        signal: signal(),
      })) as LocalSandbox;
      const proc = await sb.spawn({
        command: ["/bin/sh", "-c", "echo up; sleep 60"],
        env: {},
        signal: signal(),
      });
      await readUntil(proc.stdout, "up");
      const cgroupName = (await readdir(`/sys/fs/cgroup/pids/${CGROUP_PARENT}`)).find((n) =>
        n.startsWith(`${sb.id}.`),
      ) as string;
      // A dead owner: the dir sweep takes the dir (and its mount), the cgroup sweep the rest.
      await writeFile(join(sb.hostDir, ".owner"), "999999999\n");
      await provider.sweepOrphans();
      for (const dir of cgroupDirs(cgroupName)) expect(existsSync(dir)).toBe(false);
      expect(await mountsUnder(sb.hostDir)).toEqual([]);
      expect(existsSync(sb.hostDir)).toBe(false);
      expect(await proc.wait()).toMatchObject({ exitCode: null });
      await sb.destroy();
    },
  );

  it("warns on every run about the limits it cannot enforce", async () => {
    const provider = createLocalProvider({
      isolation: "bwrap",
      baseDir,
      cgroupRoot: join(baseDir, "no-cgroups"),
    });
    const sb = (await provider.create({
      runId: "nocg",
      env: {},
      limits: LIMITS,
      signal: signal(),
    })) as LocalSandbox;
    sandboxes.push(sb);
    expect(sb.notices.join("\n")).toMatch(/memory, CPU and process-count limits are NOT enforced/);
    if (!isRoot) expect(sb.notices.join("\n")).toMatch(/disk limit \(4096 MB\) is NOT enforced/);
  });
});
