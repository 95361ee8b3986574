// A pooled sandbox's runner is started ahead of its run, idle and holding nothing of any run; the
// run that takes the sandbox takes that runner (no bundle staged, no config file written, no key
// in its environment), and the attacking agent in it finds neither the key nor the run's token.
import { readdir, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { Writable } from "node:stream";
import Docker from "dockerode";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, sandboxCases } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const SANDBOXES = await sandboxCases();
const docker = new Docker();
const SERVER_KEY = "sk-ant-test-secret-key";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Every idle pre-booted runner's environment and argv, as the host sees them. */
async function idleRunnersOnHost(sandbox: string): Promise<string[]> {
  if (sandbox === "docker") {
    const list = await docker.listContainers({ filters: { label: ["sandcaster.managed=true"] } });
    const ours = list.filter(
      (c) =>
        c.Labels["sandcaster.owner"]?.startsWith(`${hostname()}/${process.pid}/`) &&
        c.Labels["sandcaster.run-id"]?.startsWith("pool_"),
    );
    return Promise.all(ours.map((c) => inContainer(c.Id)));
  }
  const found: string[] = [];
  for (const pid of (await readdir("/proc")).filter((name) => /^\d+$/.test(name))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.includes("--await-config")) continue;
    const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
    found.push(`${cmdline.replaceAll("\0", " ")}\n${environ.replaceAll("\0", "\n")}`);
  }
  return found;
}

// Node, not coreutils: the docker test image has none.
const LIST_PROCESSES = `
const fs = require("node:fs");
for (const pid of fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n))) {
  const read = (f) => { try { return fs.readFileSync("/proc/" + pid + "/" + f, "utf8"); } catch { return ""; } };
  console.log(read("cmdline").replaceAll("\\0", " ") + "\\n" + read("environ").replaceAll("\\0", "\\n"));
}`;

async function inContainer(id: string): Promise<string> {
  const exec = await docker.getContainer(id).exec({
    Cmd: ["node", "-e", LIST_PROCESSES],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  docker.modem.demuxStream(stream, sink, sink);
  await new Promise((resolve) => stream.on("end", resolve));
  return Buffer.concat(chunks).toString("utf8");
}

// The agent's own runner is its shell's parent: it looks at that process and at the runner's dir.
const INSPECT_RUNNER = `
const fs = require("node:fs");
const path = require("node:path");
const argv = fs.readFileSync("/proc/" + process.argv[1] + "/cmdline", "utf8").split("\\0");
const env = fs.readFileSync("/proc/" + process.argv[1] + "/environ", "utf8").split("\\0");
console.log("ARGV: " + argv.join(" "));
console.log("KEYS: " + env.filter((e) => /_API_KEY|TOKEN/.test(e)).length);
const runner = argv.find((a) => a.endsWith("runner.mjs"));
// On docker the runner sits in the read-only host dir, which the sandbox user cannot list.
const listed = (() => { try { return fs.readdirSync(path.dirname(runner)).join(" "); } catch (e) { return "(" + e.code + ")"; } })();
console.log("DIR: " + listed);
console.log("CONFIG BESIDE: " + fs.existsSync(path.join(path.dirname(runner), "config.json")));
const unix = (() => { try { return fs.readFileSync("/proc/net/unix", "utf8"); } catch { return ""; } })();
console.log("REHEARSAL SOCKETS: " + (unix ? (unix.match(/sandcaster-rehearsal/g) ?? []).length : "unreadable"));`;
const ATTACK = `node -e '${INSPECT_RUNNER}' $PPID`;

describe.each(SANDBOXES)("a pre-booted runner on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)(
    "waits idle with no key, serves exactly one run, and the run's agent finds no key or token",
    async () => {
      t = await startTestServer({
        turns: [{ toolCalls: [{ name: "bash", input: { command: ATTACK } }] }, { text: "looked" }],
        sandbox,
        pool: { size: 1 },
        ...(sandbox === "docker" ? { modelHost: await bridgeGateway() } : {}),
      });
      const server = t;
      const pool = server.pools[0];
      if (!pool) throw new Error("no pool");
      // The idle runner warmed up (SDKs loaded, first request rehearsed) and said so.
      await until(() => pool.stats().warm === 1);
      // Before any run: an idle runner is there, with nothing of a run in its environment.
      await until(async () => (await idleRunnersOnHost(sandbox)).length > 0);
      for (const idle of await idleRunnersOnHost(sandbox)) {
        expect(idle).toContain("--await-config");
        expect(idle).not.toContain(SERVER_KEY);
        expect(idle).not.toMatch(/_API_KEY=|TOKEN=/);
        expect(idle).not.toContain("config.json");
      }

      const events = await readEvents(await postQuery(server.url, { prompt: "look around" }));
      expect(events.at(-1)?.data.type).toBe("result");
      expect(pool.stats()).toMatchObject({ hits: 1, misses: 0 });
      const output = JSON.stringify(events.find((e) => e.data.type === "tool_result")?.data);
      // The run's runner is the one the pool started…
      expect(output).toContain("--await-config");
      // …its environment never held a key or the token (they came on its stdin)…
      expect(output).toMatch(/KEYS: 0\b/);
      // …and no config file (with the run's token) was written next to it.
      expect(output).toMatch(/DIR: (runner\.mjs|\(EACCES\))\\n/);
      expect(output).toMatch(/CONFIG BESIDE: false\b/);
      expect(output).not.toContain("config.json");
      // The rehearsal's throwaway server was gone before the agent ran.
      expect(output).toMatch(/REHEARSAL SOCKETS: 0\b/);
      // Its ready line was the host's alone: not an event, not a warning about a bad line.
      const warnings = events.filter((e) => e.data.type === "warning").map((e) => e.data);
      expect(warnings).not.toContainEqual(
        expect.objectContaining({ code: "RUNNER_INVALID_EVENT" }),
      );
      expect(JSON.stringify(events)).not.toContain("runner-ready");
      expect(JSON.stringify(events)).not.toContain(SERVER_KEY);
      // The model was reached through the gateway, with the server's key, from the host.
      expect(server.double.requests[0]?.headers["x-api-key"]).toBe(SERVER_KEY);
    },
    180_000,
  );
});

// Docker only: a local sandbox starts every process in its own PID namespace, so an idle runner
// in it is out of the agent's sight there either way.
describe("a composite run's secondary from the pool", () => {
  const enabled = SANDBOXES.find((c) => c.sandbox === "docker")?.enabled ?? false;
  it.skipIf(!enabled)(
    "runs no idle runner: the agent in it finds none to feed a config",
    async () => {
      t = await startTestServer({
        turns: [
          { toolCalls: [{ name: "spawn_sandbox", input: { name: "b" } }] },
          {
            toolCalls: [
              { name: "exec_in", input: { sandbox: "b", command: `node -e '${LIST_PROCESSES}'` } },
            ],
          },
          { text: "looked" },
        ],
        sandbox: "docker",
        pool: { size: 2 },
        modelHost: await bridgeGateway(),
      });
      const server = t;
      const pool = server.pools[0];
      if (!pool) throw new Error("no pool");
      await until(() => pool.stats().ready === 2);
      const response = await postQuery(server.url, { prompt: "fan out", composite: {} });
      const events = await readEvents(response);
      expect(events.at(-1)?.data.type).toBe("result");
      // Both the primary and the secondary came warm out of the pool…
      expect(pool.stats()).toMatchObject({ hits: 2 });
      const listing = events
        .map((e) => e.data)
        .find((d) => d.type === "tool_result" && d.toolName === "exec_in");
      expect(listing).toMatchObject({ isError: false, content: expect.stringContaining("node") });
      // …and the secondary's idle runner was stopped before the agent could reach it.
      expect(JSON.stringify(listing)).not.toContain("--await-config");
    },
    180_000,
  );
});
