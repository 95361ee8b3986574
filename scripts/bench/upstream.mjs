// Upstream Sandcaster side by side with ours, on docker, on this machine: the scripted two-turn run
// (a bash tool call, then an answer) through upstream's server and through ours (cold, and from our
// warm pool), interleaved round by round, timed on the client from POST /query to the stream's end.
// Every run's events are checked (the bash call ran and printed, a result arrived, no error), so a
// run that failed fast is never timed as a fast run.
//
// Enabled by SANDCASTER_BENCH_UPSTREAM_CMD: a shell command that starts an upstream server (nothing
// of upstream lives in this repo; how to build one is in the report of issue 21). The command gets
//   SANDCASTER_BENCH_UPSTREAM_MODEL_URL  the Anthropic double's origin, reachable from containers
//                                        (it listens on the docker bridge gateway)
//   SANDCASTER_BENCH_UPSTREAM_PORT       the port to listen on (the bench talks to 127.0.0.1:PORT)
// and must serve GET /health and upstream's POST /query there. It is started in its own process
// group and stopped (SIGTERM, then SIGKILL) by that group's id. SANDCASTER_BENCH_UPSTREAM_RUNS sets
// the measured rounds (default 10, after one warm-up round).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { startAnthropicDouble } from "@sandcaster/testkit";
import { request } from "undici";
import { createAgent } from "./client.mjs";
import { bridgeGateway, dockerReadiness } from "./docker.mjs";
import { percentile, round, summary, until, withTimeout } from "./lib.mjs";
import { startBenchServer } from "./server-process.mjs";

const POOL_SIZE = 3;
const UPSTREAM_LABEL = "sandcaster=true"; // upstream's docker provider labels its containers so
const OUTPUT = "side-by-side";
// The same task as the pool phase's two-turn run, printing a word the checks look for.
const TWO_TURNS = [
  {
    text: "Writing it.",
    toolCalls: [{ name: "bash", input: { command: `echo ${OUTPUT} > out.txt && cat out.txt` } }],
    usage: { inputTokens: 50, outputTokens: 5 },
  },
  { text: "done", usage: { inputTokens: 60, outputTokens: 2 } },
];

export const UPSTREAM_HOWTO =
  "upstream comparison n/a: set SANDCASTER_BENCH_UPSTREAM_CMD to a shell command starting upstream Sandcaster's server (it gets SANDCASTER_BENCH_UPSTREAM_MODEL_URL and SANDCASTER_BENCH_UPSTREAM_PORT)";

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** One /query read to its end; every SSE frame's event name and data kept (runs are small). */
async function run(url, body, dispatcher) {
  const started = performance.now();
  const response = await request(new URL("/query", url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    dispatcher,
  });
  if (response.statusCode !== 200) {
    throw new Error(`${url}: status ${response.statusCode}: ${await response.body.text()}`);
  }
  const events = [];
  let buffer = "";
  let resultMs = Number.NaN;
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true }).replaceAll("\r\n", "\n");
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = frame.split("\n");
      const field = (name) =>
        lines
          .filter((l) => l.startsWith(`${name}:`))
          .map((l) => l.slice(name.length + 1).trimStart())
          .join("\n");
      const data = field("data");
      if (!data) continue; // a comment (heartbeat)
      const event = { type: field("event"), data: JSON.parse(data) };
      if (event.type === "result" && Number.isNaN(resultMs)) resultMs = performance.now() - started;
      if (events.length === 0) event.atMs = performance.now() - started;
      events.push(event);
    }
  }
  return { endMs: performance.now() - started, resultMs, firstEventMs: events[0]?.atMs, events };
}

/** Throws unless the run called bash, the call printed OUTPUT, and a result ended it. */
function checkRun(outcome, who) {
  const types = outcome.events.map((e) => e.type);
  const call = outcome.events.find((e) => e.type === "tool_use" && e.data.toolName === "bash");
  const done = outcome.events.find((e) => e.type === "tool_result" && e.data.toolName === "bash");
  const failed = outcome.events.find((e) => e.type === "error");
  if (!call || !done || done.data.isError || !String(done.data.content).includes(OUTPUT)) {
    throw new Error(`${who}: the bash call did not run (events ${types.join(",")})`);
  }
  if (failed || !types.includes("result")) {
    throw new Error(`${who}: no clean result (events ${types.join(",")}): ${failed?.data.content}`);
  }
}

async function startUpstream(command, modelUrl, cleanup, log) {
  const port = await freePort();
  const child = spawn("sh", ["-c", command], {
    detached: true, // its own process group: stopped by that group's id, children included
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      SANDCASTER_BENCH_UPSTREAM_MODEL_URL: modelUrl,
      SANDCASTER_BENCH_UPSTREAM_PORT: String(port),
    },
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  const stop = cleanup.add(async () => {
    signalGroup("SIGTERM");
    await withTimeout(exited, 15_000, "upstream server stop").catch(() => signalGroup("SIGKILL"));
  });
  const url = `http://127.0.0.1:${port}`;
  const healthy = await until(async () => {
    if (child.exitCode !== null) return true;
    const response = await request(`${url}/health`).catch(() => undefined);
    await response?.body.dump();
    return response?.statusCode === 200;
  }, 60_000);
  if (!healthy || child.exitCode !== null) {
    throw new Error(`upstream server did not start on ${url}: ${stderr.trim().slice(-500)}`);
  }
  log(`upstream server up on ${url}`);
  return {
    url,
    async close() {
      cleanup.remove(stop);
      await stop();
    },
  };
}

/** Upstream's containers (its label) that were not there before: removed after the phase. */
async function upstreamContainers(docker) {
  const list = await docker.listContainers({ all: true, filters: { label: [UPSTREAM_LABEL] } });
  return new Set(list.map((c) => c.Id));
}

/** The figure for results.figures.upstream, or {skipped}. */
export async function upstreamSideBySide({ image, labels, cleanup, log }) {
  const command = process.env.SANDCASTER_BENCH_UPSTREAM_CMD;
  if (!command) {
    log(UPSTREAM_HOWTO);
    return { skipped: "SANDCASTER_BENCH_UPSTREAM_CMD not set" };
  }
  const ready = await dockerReadiness(image);
  if (!ready.ok) return { skipped: ready.reason };
  const rounds = Number(process.env.SANDCASTER_BENCH_UPSTREAM_RUNS) || 10;
  const before = await upstreamContainers(ready.docker);
  const host = await bridgeGateway(ready.docker);
  // Runs are sequential and each takes exactly two turns, so the turns stay in step.
  const double = await startAnthropicDouble({
    host,
    turns: Array.from({ length: 2 * 3 * (rounds + 1) }, (_, i) => TWO_TURNS[i % 2]),
  });
  const closeDouble = cleanup.add(() => double.close());
  const started = [];
  /** Closed at the phase's end, or by the bench's cleanup on a signal. */
  const keep = (server) => {
    const step = cleanup.add(() => server.close());
    started.push({
      close: () => {
        cleanup.remove(step);
        return server.close();
      },
    });
    return server;
  };
  const agent = createAgent(8);
  try {
    const upstream = await startUpstream(command, double.url, cleanup, log);
    started.push(upstream);
    const cold = keep(
      await startBenchServer({ provider: "docker", modelUrl: double.url, image, labels }),
    );
    const pooled = keep(
      await startBenchServer({
        provider: "docker",
        modelUrl: double.url,
        image,
        labels,
        pool: { size: POOL_SIZE },
      }),
    );
    const poolFull = async () => {
      const full = await until(async () => (await pooled.stats()).pool?.warm === POOL_SIZE, 60_000);
      if (!full) throw new Error("our docker pool did not fill within 60 s");
    };
    // Every side starts on a settled machine: the pool refilled after a pooled run, and no side's
    // container still being removed (ours leave after the stream ends; upstream's before). Without
    // this a run shares the CPU and the daemon with the previous side's clean-up.
    const ownLabel = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
    const settled = async () => {
      await poolFull();
      const quiet = await until(async () => {
        const ours = await ready.docker.listContainers({ all: true, filters: { label: ownLabel } });
        const upstreamLeft = [...(await upstreamContainers(ready.docker))].filter(
          (id) => !before.has(id),
        );
        return ours.length === POOL_SIZE && upstreamLeft.length === 0;
      }, 60_000);
      if (!quiet) throw new Error("containers of earlier runs were still there after 60 s");
    };
    const body = { prompt: "write out.txt", model: "claude-haiku-4-5", timeout: 60 };
    const sides = {
      oursCold: () => run(cold.url, body, agent),
      oursPooled: async () => {
        await poolFull();
        return run(pooled.url, body, agent);
      },
      // Upstream's defaults otherwise; the provider named so no cloud key in the env can pick another.
      upstream: () => run(upstream.url, { ...body, sandboxProvider: "docker" }, agent),
    };
    const names = Object.keys(sides);
    const measured = Object.fromEntries(names.map((name) => [name, []]));
    log(`upstream side by side: ${rounds} rounds (+1 warm-up) of ${names.join(" / ")}, rotated`);
    for (let r = 0; r <= rounds; r++) {
      // The order rotates each round, so no side always runs first after the others' cleanup.
      for (let k = 0; k < names.length; k++) {
        const name = names[(r + k) % names.length];
        await settled();
        const outcome = await sides[name]();
        checkRun(outcome, name);
        if (r > 0) measured[name].push(outcome);
      }
    }
    const p50 = (name) =>
      percentile(
        measured[name].map((o) => o.endMs),
        50,
      );
    // Per round, ours over upstream's: the median of paired ratios, robust to a slow round.
    const pairedRatio = (name) =>
      round(
        percentile(
          measured[name].map((o, i) => o.endMs / measured.upstream[i].endMs),
          50,
        ),
        3,
      );
    return {
      what: `the scripted two-turn run (bash tool call, then an answer) on docker, POST /query → stream end on the client, ${rounds} interleaved rounds: ours without a pool, ours from a warm pool of ${POOL_SIZE}, upstream Sandcaster (its /query has no warm pool: a fresh container per run); ms`,
      rounds,
      oursColdMs: summary(measured.oursCold.map((o) => o.endMs)),
      oursPooledMs: summary(measured.oursPooled.map((o) => o.endMs)),
      upstreamColdMs: summary(measured.upstream.map((o) => o.endMs)),
      upstreamPooledMs: null,
      upstreamResultEventMs: summary(measured.upstream.map((o) => o.resultMs)),
      upstreamFirstEventMs: summary(measured.upstream.map((o) => o.firstEventMs)),
      oursPooledFirstEventMs: summary(measured.oursPooled.map((o) => o.firstEventMs)),
      coldVsUpstream: round(p50("oursCold") / p50("upstream"), 3),
      pooledVsUpstream: round(p50("oursPooled") / p50("upstream"), 3),
      coldVsUpstreamPaired: pairedRatio("oursCold"),
      pooledVsUpstreamPaired: pairedRatio("oursPooled"),
      upstreamEventTypes: measured.upstream.at(-1)?.events.map((e) => e.type),
    };
  } finally {
    await agent.close();
    for (const server of started.reverse()) await server.close();
    cleanup.remove(closeDouble);
    await double.close();
    // Upstream removes its containers itself; any it left (a crash) go too, never another's.
    for (const id of await upstreamContainers(ready.docker)) {
      if (before.has(id)) continue;
      log(`removing upstream's leftover container ${id.slice(0, 12)}`);
      await ready.docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
}
