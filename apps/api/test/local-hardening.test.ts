// A hostile agent in a local bwrap sandbox, through the real server: a scripted model makes the
// real runner run the attacks; the host checks what it sees meanwhile and after.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkBwrap } from "@sandcaster/core";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { afterEach, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery } from "./sse.js";

const bwrap = await checkBwrap(undefined, process.execPath);
const isRoot = process.getuid?.() === 0;
if (!bwrap.ok)
  console.log(`local hardening tests skipped: no working bubblewrap (apt-get install bubblewrap)`);
const SERVER_KEY = "sk-ant-test-secret-key"; // the harness's model key
const PIDS_CGROUPS = "/sys/fs/cgroup/pids/sandcaster";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const ATTACKS = [
  "stat -c 'usr-owner=%u' /usr",
  'for p in /proc/sys/kernel/core_pattern /proc/sysrq-trigger; do (echo x > $p) 2>/dev/null && echo "wrote $p"; done',
  'for d in / /etc /opt /dev /usr; do touch $d/probe 2>/dev/null && echo "wrote $d"; done',
  "cp /bin/sh setuid-sh && chmod 4755 setuid-sh && chown 0:0 setuid-sh 2>/dev/null && echo chowned-to-root",
  // "ke[y]": grep's own command line (in /proc too) must not match the pattern.
  "cat /proc/[0-9]*/cmdline | tr '\\0' '\\n' | grep -c 'sk-ant-test-secret-ke[y]' || true",
  "echo attacks-done",
].join("\n");
/** Holds the run until the host has looked: the host drops `go` into the socket dir. */
const WAIT_FOR_HOST =
  "i=0; while [ ! -e /run/sandcaster/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo released";
const MEMORY_HOG = `node -e 'const a=[];for(;;)a.push(Buffer.alloc(8<<20,1))'; echo "hog=$?"`;
const FORK_BOMB = `node -e 'const {spawn}=require("child_process");const kids=[];for(let i=0;i<300;i++){const c=spawn("sleep",["30"]);c.on("error",()=>{});if(c.pid)kids.push(c)}setTimeout(()=>{console.log("forks="+kids.length);for(const k of kids)k.kill("SIGKILL");process.exit(0)},500)'`;
const DISK_FILLER = "dd if=/dev/zero of=big bs=1M count=200 2>&1 | head -1";

type Data = Record<string, unknown> & { type: string };

/** The host's view of a running sandbox: its processes' uids and every host command line. */
async function inspectHost(runId: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const names = (await readdir(PIDS_CGROUPS).catch(() => [])).filter((n) =>
      n.startsWith(`sandcaster-local-${runId}-`),
    );
    const name = names[0];
    if (name) {
      const pids = (await readFile(join(PIDS_CGROUPS, name, "cgroup.procs"), "utf8"))
        .split("\n")
        .filter(Boolean);
      const ps = execFileSync("ps", ["-o", "uid=,args=", "-p", pids.join(",")], {
        encoding: "utf8",
      });
      if (ps.includes("sleep")) {
        return { name, ps, everyArg: execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }) };
      }
    }
    if (Date.now() > deadline) throw new Error("the sandbox never showed up on the host");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it.runIf(bwrap.ok && isRoot)(
  "a hostile agent is never host root, cannot write the system, never sees the key on a command line, and hits every limit",
  async () => {
    t = await startTestServer({
      config: { local: { diskMb: 64 }, docker: { memoryMb: 256, pidsLimit: 64 } },
      turns: [
        {
          toolCalls: [
            { name: "bash", input: { command: ATTACKS } },
            { name: "bash", input: { command: WAIT_FOR_HOST } },
            { name: "bash", input: { command: MEMORY_HOG } },
            { name: "bash", input: { command: FORK_BOMB } },
            { name: "bash", input: { command: DISK_FILLER } },
          ],
        },
        { text: "done" },
      ],
    });
    const response = await postQuery(t.url, { prompt: "attack" });
    const stream = (response.body as ReadableStream<Uint8Array>)
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream());
    const events: Data[] = [];
    let runId = "";
    let host: Awaited<ReturnType<typeof inspectHost>> | undefined;
    for await (const frame of stream) {
      const data = JSON.parse(frame.data) as Data;
      events.push(data);
      if (data.type === "system" && typeof data.runId === "string") runId = data.runId;
      if (data.type === "tool_use" && JSON.stringify(data).includes("/run/sandcaster/go")) {
        host = await inspectHost(runId);
        const sandboxDir = join(tmpdir(), host.name.slice(0, host.name.lastIndexOf(".")));
        await writeFile(join(sandboxDir, "sock", "go"), "");
      }
    }
    const results = events.filter((e) => e.type === "tool_result").map((e) => String(e.content));
    expect(results).toHaveLength(5);
    const [attacks, released, hog, forks, disk] = results as [
      string,
      string,
      string,
      string,
      string,
    ];
    expect(attacks).toContain("attacks-done");
    expect(attacks).toContain("usr-owner=65534");
    expect(attacks).not.toContain("wrote");
    expect(attacks).not.toContain("chowned-to-root");
    expect(attacks).toMatch(/^0$/m);
    expect(released).toContain("released");
    // From the host: every process of the sandbox runs as nobody; no command line holds the key.
    const uids = (host?.ps ?? "")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/)[0]);
    expect(uids.length).toBeGreaterThanOrEqual(3);
    expect(uids.every((uid) => uid === "65534")).toBe(true);
    expect(host?.everyArg).not.toContain(SERVER_KEY);
    expect(hog).toMatch(/hog=(137|134)/);
    expect(Number(/forks=(\d+)/.exec(forks)?.[1] ?? "999")).toBeLessThan(64);
    expect(disk).toContain("No space left on device");

    const warnings = events.filter(
      (e) => e.type === "warning" && e.code === "SANDBOX_LIMIT_EXCEEDED",
    );
    const said = warnings.map((w) => String(w.content)).join("\n");
    expect(said).toContain("memory limit (256 MB)");
    expect(said).toContain("process limit (64)");
    expect(said).toContain("disk limit (64 MB)");
    expect(events.at(-1)).toMatchObject({ type: "result" });

    // Nothing left: no sandbox dir, no cgroup, no mount (removal follows the stream's end).
    const name = host?.name as string;
    const dirName = name.slice(0, name.lastIndexOf("."));
    const left = async () =>
      existsSync(join(PIDS_CGROUPS, name)) ||
      existsSync(join(tmpdir(), dirName)) ||
      (await readFile("/proc/self/mountinfo", "utf8")).includes(dirName);
    for (let tries = 0; tries < 300 && (await left()); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(existsSync(join(PIDS_CGROUPS, name))).toBe(false);
    expect(existsSync(join(tmpdir(), name.slice(0, name.lastIndexOf("."))))).toBe(false);
    expect(await readFile("/proc/self/mountinfo", "utf8")).not.toContain(
      name.slice(0, name.lastIndexOf(".")),
    );
  },
  120_000,
);

it.runIf(bwrap.ok && !isRoot)(
  "as an ordinary user: never root, no key on a command line, and a loud warning for each limit it cannot hold",
  async () => {
    t = await startTestServer({
      turns: [
        {
          toolCalls: [
            { name: "bash", input: { command: ATTACKS } },
            { name: "bash", input: { command: WAIT_FOR_HOST } },
          ],
        },
        { text: "done" },
      ],
    });
    const response = await postQuery(t.url, { prompt: "attack" });
    const stream = (response.body as ReadableStream<Uint8Array>)
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream());
    const events: Data[] = [];
    let uids: string[] = [];
    let everyArg = "";
    for await (const frame of stream) {
      const data = JSON.parse(frame.data) as Data;
      events.push(data);
      if (data.type === "tool_use" && JSON.stringify(data).includes("/run/sandcaster/go")) {
        // No cgroup to list the sandbox by: its waiting shell, found by its command line.
        const deadline = Date.now() + 30_000;
        let pids: string[] = [];
        while (pids.length === 0 && Date.now() < deadline) {
          pids = [];
          for (const pid of (await readdir("/proc")).filter((n) => /^\d+$/.test(n))) {
            const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
            if (cmdline.includes("/run/sandcaster/go") && !cmdline.includes("vitest"))
              pids.push(pid);
          }
          if (pids.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        uids = execFileSync("ps", ["-o", "uid=", "-p", pids.join(",")], { encoding: "utf8" })
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean);
        everyArg = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
        const sockDir = /--ro-bind (\S+\/sock) \/run\/sandcaster/.exec(everyArg)?.[1];
        await writeFile(join(sockDir as string, "go"), "");
      }
    }
    const results = events.filter((e) => e.type === "tool_result").map((e) => String(e.content));
    expect(results[0]).toContain("attacks-done");
    expect(results[0]).not.toContain("wrote");
    expect(results[0]).not.toContain("chowned-to-root");
    expect(results[1]).toContain("released");
    expect(uids.length).toBeGreaterThan(0);
    expect(uids.every((uid) => uid === String(process.getuid?.()) && uid !== "0")).toBe(true);
    expect(everyArg).not.toContain(SERVER_KEY);
    const notices = events
      .filter((e) => e.type === "warning" && e.code === "SANDBOX_NOTICE")
      .map((e) => String(e.content))
      .join("\n");
    expect(notices).toMatch(/memory, CPU and process-count limits are NOT enforced/);
    expect(notices).toMatch(/disk limit \(\d+ MB\) is NOT enforced/);
    expect(events.at(-1)).toMatchObject({ type: "result" });
  },
  120_000,
);
