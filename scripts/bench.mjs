// Benchmarks (not tests) of the built server: `npm run bench` (= build, then this). Prints a table
// with each figure beside its target and writes bench-results.json at the repo root.
//   1. time to first byte and to system/init (scripted sandbox, sequential requests)
//   2. events relayed per second through one stream (scripted runner at full speed)
//   3. RSS per open stream (1,000 idle streams), and 1,000 streams × ~20 events over 3 s; the
//      server's CPU with 1,000 idle followers of one run (GET /runs/:id/events, SQLite)
//   4. server overhead over the same run without the server, on local (bwrap) and docker
//   5. sandbox acquire (create) time per provider
//   6. warm pool: acquire from a pool vs cold, the two-turn run with and without it, a burst
//   7. model gateway: latency it adds to a streamed call on loopback (direct vs through its socket)
//   8. custom agents: invoke → the agent's first stdout byte, cold vs from the agent's warm pool;
//      N open SSE streams (10,000 by default: SANDCASTER_BENCH_STREAMS) on one server: RSS, KB/stream
//   9. the runner's cold boot on the host, broken down (process start, bundle parse, SDK load, first
//      model request); then issue 21's speed targets, each MET or NOT MET
// Every server runs in its own process on 127.0.0.1; loops are bounded; everything started is
// stopped, destroyed or removed at the end (or on Ctrl-C). Run `npm run build` first.
// `--only latency,rss,active,streams,followers,local,docker,pool-local,pool-docker,gateway,tracing,agents,boot,upstream` runs some phases.
// `upstream` (issue 21's ratios) runs only with SANDCASTER_BENCH_UPSTREAM_CMD: see scripts/bench/upstream.mjs.
// The machine's load is printed as the time of `node -e 0` before and after (other work slows it). SANDCASTER_BENCH_NODE_OPTIONS passes
// node flags to the server processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them.
import { readdir, writeFile } from "node:fs/promises";
import os from "node:os";
import {
  createDockerProvider,
  createLocalProvider,
  runnerBundlePath,
  sandboxLimits,
} from "@sandcaster/core";
import { SandcasterConfigSchema } from "@sandcaster/protocol";
import { startAnthropicDouble } from "@sandcaster/testkit";
import { agentPool } from "./bench/agent-pool.mjs";
import { runnerBoot } from "./bench/boot.mjs";
import { connectGate, createAgent, query } from "./bench/client.mjs";
import { MODEL, PROMPT, runBareRunner, runThroughProvider } from "./bench/direct.mjs";
import { bridgeGateway, dockerReadiness } from "./bench/docker.mjs";
import { idleFollowers } from "./bench/followers.mjs";
import { gatewayLatency } from "./bench/gateway.mjs";
import {
  cleanupStack,
  cpuMsOf,
  MB,
  peakRssOf,
  percentile,
  round,
  sleep,
  summary,
  until,
  withTimeout,
} from "./bench/lib.mjs";
import { emptyNodeMs } from "./bench/load.mjs";
import { warmPool } from "./bench/pool.mjs";
import { startBenchServer } from "./bench/server-process.mjs";
import { manyOpenStreams } from "./bench/streams.mjs";
import { bootRows, SPEED_TARGETS, speedTargets } from "./bench/targets.mjs";
import { tracingOverhead } from "./bench/tracing.mjs";
import { upstreamSideBySide } from "./bench/upstream.mjs";

const RESULTS_FILE = new URL("../bench-results.json", import.meta.url);
const TEST_IMAGE = process.env.SANDCASTER_BENCH_IMAGE ?? "sandcaster-sandbox:test";
const BENCH_ID = `bench-${process.pid}-${Date.now().toString(36)}`;

const TTFB_RUNS = 200;
const FLOOD_EVENTS = 100_000;
const FLOOD_RUNS = 3;
const STREAMS = 1000;
const CONNECT_GATE = 256;
const OVERHEAD_RUNS = 20;
const WARMUPS = 3;

const TARGETS = {
  ttfbP50Ms: 5,
  overheadP50Ms: 15,
  rss1000StreamsMb: 300,
  eventsPerSec: 20_000,
  poolAcquireP50Ms: 20,
  gatewayAddedP50Ms: 2,
  tracingAddedP50Ms: 2,
};

const cleanup = cleanupStack();
const results = {
  startedAt: new Date().toISOString(),
  host: {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
  },
  figures: {},
  targets: { ...TARGETS, ...SPEED_TARGETS },
  notes: [],
};
const log = (message) => console.log(`[bench] ${message}`);
const note = (message) => {
  results.notes.push(message);
  log(`note: ${message}`);
};

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup.run().then(() => process.exit(130));
  });
}

async function scriptedServer() {
  const server = await startBenchServer({ provider: "scripted" });
  const step = cleanup.add(() => server.close());
  return {
    server,
    async close() {
      cleanup.remove(step);
      await server.close();
    },
  };
}

function expectOk(outcome, what) {
  if (outcome.status !== 200 || outcome.lastType !== "result" || !outcome.idsInOrder) {
    throw new Error(
      `${what}: status ${outcome.status}, last ${outcome.lastType}, ids in order ${outcome.idsInOrder}: ${outcome.error ?? JSON.stringify(outcome.lastData)}`,
    );
  }
}

// 1 + 2 ---------------------------------------------------------------------------------------
async function latencyAndThroughput() {
  const { server, close } = await scriptedServer();
  const agent = createAgent(8);
  try {
    log(`time to first byte: ${TTFB_RUNS} sequential requests (+20 warm-up), scripted sandbox`);
    for (let i = 0; i < 20; i++)
      expectOk(await query(server.url, { prompt: "quick" }, { dispatcher: agent }), "warm-up");
    const runs = [];
    for (let i = 0; i < TTFB_RUNS; i++) {
      const outcome = await query(server.url, { prompt: "quick" }, { dispatcher: agent });
      expectOk(outcome, "ttfb run");
      if (outcome.firstEvent?.subtype !== "init")
        throw new Error("the first event is not system/init");
      runs.push(outcome);
    }
    results.figures.ttfb = {
      what: "POST /query on a kept-alive connection → response headers (first byte), first SSE event (system/init), end of a trivial scripted run; ms",
      firstByteMs: summary(runs.map((r) => r.headersMs)),
      initEventMs: summary(runs.map((r) => r.firstEventMs)),
      wholeRunMs: summary(runs.map((r) => r.endMs)),
    };

    log(
      `events relayed through one stream: ${FLOOD_RUNS} × a scripted runner printing ${FLOOD_EVENTS} deltas at full speed`,
    );
    expectOk(
      await query(server.url, { prompt: "flood:10000" }, { dispatcher: agent }),
      "flood warm-up",
    );
    const floods = [];
    for (let i = 0; i < FLOOD_RUNS; i++) {
      let firstDeltaAt = Number.NaN;
      const sent = performance.now();
      const cpuBefore = cpuMsOf(server.pid);
      const outcome = await query(
        server.url,
        { prompt: `flood:${FLOOD_EVENTS}` },
        {
          dispatcher: agent,
          onEvent: (type) => {
            if (type === "assistant" && Number.isNaN(firstDeltaAt))
              firstDeltaAt = performance.now();
          },
        },
      );
      const ended = performance.now();
      const serverCpuMs = cpuMsOf(server.pid) - cpuBefore;
      expectOk(outcome, "flood");
      // init, sandbox_ready, agent_start, the deltas, the result
      if (outcome.events !== FLOOD_EVENTS + 4) {
        throw new Error(`flood: ${outcome.events} events arrived, ${FLOOD_EVENTS + 4} expected`);
      }
      const streamingMs = ended - firstDeltaAt;
      floods.push({
        eventsPerSec: Math.round((FLOOD_EVENTS + 1) / (streamingMs / 1000)),
        streamingMs: round(streamingMs),
        wholeRunMs: round(ended - sent),
        serverCpuPercent: round((serverCpuMs / (ended - sent)) * 100, 0),
      });
    }
    const eventsPerSec = percentile(
      floods.map((f) => f.eventsPerSec),
      50,
    );
    results.figures.relay = {
      what: `one stream, scripted runner printing ${FLOOD_EVENTS} one-token deltas at once; events/s counted by the client from the first delta to the result (median of ${FLOOD_RUNS}); serverCpuPercent: the server process's CPU time over the run's wall time (100 = one core)`,
      eventsPerSec,
      runs: floods,
    };
  } finally {
    await agent.close();
    await close();
  }
}

// 3 -------------------------------------------------------------------------------------------
async function openStreams(server, agent, prompt, count) {
  const gate = connectGate(CONNECT_GATE);
  const controllers = [];
  let open = 0;
  let resolveAll;
  const allOpen = new Promise((resolve) => {
    resolveAll = resolve;
  });
  const outcomes = Array.from({ length: count }, () => {
    const controller = new AbortController();
    controllers.push(controller);
    let counted = false;
    return query(
      server.url,
      { prompt },
      {
        dispatcher: agent,
        gate,
        signal: controller.signal,
        onEvent: (_type, n) => {
          // init, sandbox_ready, agent_start: the run is up and its stream is open.
          if (!counted && n >= 3) {
            counted = true;
            if (++open === count) resolveAll();
          }
        },
      },
    );
  });
  const started = performance.now();
  const ok = await withTimeout(allOpen, 90_000, "opening streams").then(
    () => true,
    () => false,
  );
  return {
    ok,
    open: () => open,
    openMs: performance.now() - started,
    outcomes: Promise.all(outcomes),
    abortAll: () => {
      for (const controller of controllers) controller.abort();
    },
  };
}

async function rssPerStream() {
  const { server, close } = await scriptedServer();
  const agent = createAgent(STREAMS + 100);
  try {
    log(`RSS per open stream: ${STREAMS} idle streams (runs that hold after agent_start)`);
    for (let i = 0; i < 20; i++)
      expectOk(await query(server.url, { prompt: "typical:0" }, { dispatcher: agent }), "warm-up");
    await server.gc();
    await sleep(500);
    await server.gc();
    const baseline = await server.stats();
    const streams = await openStreams(server, agent, "hold:120000", STREAMS);
    if (!streams.ok) {
      streams.abortAll();
      await streams.outcomes;
      throw new Error(`only ${streams.open()} of ${STREAMS} streams opened within 90 s`);
    }
    await sleep(1000);
    const withStreamsNoGc = await server.stats();
    await server.gc();
    const withStreams = await server.stats();
    const peak = peakRssOf(server.pid);
    const cancelStarted = performance.now();
    streams.abortAll();
    const outcomes = await streams.outcomes;
    const drained = await until(async () => {
      const s = await server.stats();
      return s.activeRuns === 0 && s.alive === 0;
    }, 30_000);
    const cancelMs = performance.now() - cancelStarted;
    if (!drained) throw new Error("cancelled runs did not all end within 30 s");
    await server.gc();
    const after = await server.stats();
    results.figures.rssPerStream = {
      what: `server process RSS (after a forced GC) with ${STREAMS} open, idle /query streams (scripted runs holding after agent_start) vs. after warm-up`,
      baselineMb: round(baseline.rss / MB, 1),
      with1000StreamsMb: round(withStreams.rss / MB, 1),
      with1000StreamsBeforeGcMb: round(withStreamsNoGc.rss / MB, 1),
      peakMb: round(peak / MB, 1),
      perStreamKb: round((withStreams.rss - baseline.rss) / STREAMS / 1024, 1),
      heapPerStreamKb: round((withStreams.heapUsed - baseline.heapUsed) / STREAMS / 1024, 1),
      afterCancelMb: round(after.rss / MB, 1),
      heapBaselineMb: round(baseline.heapUsed / MB, 1),
      heapWith1000StreamsMb: round(withStreams.heapUsed / MB, 1),
      heapAfterCancelMb: round(after.heapUsed / MB, 1),
      openAllMs: round(streams.openMs, 0),
      cancelAllMs: round(cancelMs, 0),
      abortedClientSide: outcomes.filter((o) => o.error).length,
    };
  } finally {
    await agent.close();
    await close();
  }
}

async function manyActiveStreams() {
  const { server, close } = await scriptedServer();
  const agent = createAgent(STREAMS + 100);
  try {
    log(
      `${STREAMS} streams at once, each ~20 events over 3 s (all open first, then released together)`,
    );
    for (let i = 0; i < 20; i++)
      expectOk(await query(server.url, { prompt: "typical:0" }, { dispatcher: agent }), "warm-up");
    const streams = await openStreams(server, agent, "together:3000", STREAMS);
    if (!streams.ok) {
      server.release();
      await streams.outcomes;
      throw new Error(`only ${streams.open()} of ${STREAMS} streams opened within 90 s`);
    }
    const cpuBefore = cpuMsOf(server.pid);
    const released = performance.now();
    server.release();
    const outcomes = await streams.outcomes;
    const doneMs = performance.now() - released;
    const serverCpuMs = cpuMsOf(server.pid) - cpuBefore;
    const failed = outcomes.filter(
      (o) => o.status !== 200 || o.lastType !== "result" || !o.idsInOrder,
    );
    const events = outcomes.reduce((sum, o) => sum + o.events, 0);
    const ends = outcomes.map((o) => o.endMs);
    results.figures.thousandActiveStreams = {
      what: `${STREAMS} open streams released at once, each streaming 19 runner events evenly over 3,000 ms (ideal: everything done ~3,000 ms after release)`,
      openAllMs: round(streams.openMs, 0),
      allResultsAfterMs: round(doneMs, 0),
      eventsDelivered: events,
      eventsPerSecAggregate: Math.round(events / (doneMs / 1000)),
      serverCpuPercent: round((serverCpuMs / doneMs) * 100, 0),
      streamEndMs: summary(ends),
      failedStreams: failed.length,
    };
    if (failed.length > 0)
      note(`${failed.length} of ${STREAMS} active streams did not end with a result`);
  } finally {
    await agent.close();
    await close();
  }
}

// 4 + 5 ---------------------------------------------------------------------------------------
async function overhead(kind) {
  const docker = kind === "docker" ? await dockerReadiness(TEST_IMAGE) : undefined;
  if (docker && !docker.ok) {
    note(`docker skipped: ${docker.reason}`);
    results.figures.overheadDocker = { skipped: docker.reason };
    return;
  }
  const config = SandcasterConfigSchema.parse({ docker: { image: TEST_IMAGE } });
  const limits = sandboxLimits(config.docker);
  const perRound = kind === "local" ? 3 : 2;
  // Containers cannot reach the host's loopback: for docker the double listens on the bridge
  // gateway (an address of this host, on the docker0 bridge), the one exception to 127.0.0.1.
  const host = docker?.ok ? await bridgeGateway(docker.docker) : "127.0.0.1";
  if (docker?.ok) note(`docker: the model double listens on the bridge gateway ${host}`);
  const double = await startAnthropicDouble({
    host,
    turns: Array.from({ length: (WARMUPS + OVERHEAD_RUNS) * perRound + 10 }, () => ({
      text: "done",
      usage: { inputTokens: 40, outputTokens: 2 },
    })),
  });
  const closeDouble = cleanup.add(() => double.close());
  const labels = { "sandcaster.bench": BENCH_ID };
  const provider =
    kind === "docker"
      ? createDockerProvider({ image: TEST_IMAGE, labels })
      : createLocalProvider({ isolation: "auto" });
  const server = await startBenchServer({
    provider: kind,
    modelUrl: double.url,
    image: TEST_IMAGE,
    labels,
  });
  const closeServer = cleanup.add(() => server.close());
  const agent = createAgent(8);
  try {
    log(
      `server overhead on ${kind}: ${OVERHEAD_RUNS} runs each (+${WARMUPS} warm-up), interleaved`,
    );
    const bare = [];
    const direct = [];
    const served = [];
    const serve = async () => {
      const outcome = await query(
        server.url,
        { prompt: PROMPT, model: MODEL, timeout: 60 },
        { dispatcher: agent },
      );
      expectOk(outcome, `${kind} server run`);
      return outcome;
    };
    for (let round = 0; round < WARMUPS + OVERHEAD_RUNS; round++) {
      const measured = round >= WARMUPS;
      if (kind === "local") {
        const r = await runBareRunner(double.url);
        if (measured) bare.push(r);
      }
      const d = await runThroughProvider(provider, double.url, limits);
      if (measured) direct.push(d);
      const s = await serve();
      if (measured) served.push(s);
    }
    const directP50 = percentile(
      direct.map((r) => r.ms),
      50,
    );
    const servedP50 = percentile(
      served.map((r) => r.endMs),
      50,
    );
    const bareP50 = percentile(
      bare.map((r) => r.ms),
      50,
    );
    const figure = {
      what: `one trivial run (one model call to the loopback Anthropic double, no tools) with the built runner bundle: bare = node runner.mjs on the host; provider = the same through the ${kind} provider by hand, its runner started as a server's cold run starts it (create, the runner on stdin or staged, read, changed files; its destroy follows, like the server's after its stream ends; network: the double reached directly, the server's run through its gateway); server = POST /query to its stream's end; ms`,
      ...(kind === "local" ? { bareRunnerMs: summary(bare.map((r) => r.ms)) } : {}),
      providerDirectMs: summary(direct.map((r) => r.ms)),
      providerWithDestroyMs: summary(direct.map((r) => r.totalMs)),
      serverMs: summary(served.map((r) => r.endMs)),
      acquireMs: summary(direct.map((r) => r.createMs)),
      destroyMs: summary(direct.map((r) => r.destroyMs)),
      serverFirstByteMs: summary(served.map((r) => r.headersMs)),
      // Where the time goes (p50s, ms from the start): the runner's first output, its end, the end.
      timeline: {
        provider: {
          acquired: round(
            percentile(
              direct.map((r) => r.createMs),
              50,
            ),
          ),
          runnerFirstOutput: round(
            percentile(
              direct.map((r) => r.firstOutputMs),
              50,
            ),
          ),
          runnerExited: round(
            percentile(
              direct.map((r) => r.exitMs),
              50,
            ),
          ),
          changedFilesRead: round(directP50),
        },
        server: {
          sandboxReadyEvent: round(
            percentile(
              served.map((r) => r.eventMs[1]),
              50,
            ),
          ),
          runnerFirstEvent: round(
            percentile(
              served.map((r) => r.eventMs[2]),
              50,
            ),
          ),
          resultEvent: round(
            percentile(
              served.map((r) => r.resultMs),
              50,
            ),
          ),
          streamEnd: round(servedP50),
        },
      },
      serverOverheadP50Ms: round(servedP50 - directP50),
      // Runs were interleaved, so run i of each forms a pair: the median of the differences.
      serverOverheadPairedP50Ms: round(
        percentile(
          served.map((r, i) => r.endMs - (direct[i]?.ms ?? Number.NaN)),
          50,
        ),
      ),
      ...(kind === "local" ? { sandboxCostP50Ms: round(directP50 - bareP50) } : {}),
    };
    if (kind === "local") {
      const unisolated = direct.some((r) => r.notices.some((n) => n.includes("NOT isolated")));
      figure.isolation = unisolated ? "none: no usable bubblewrap" : "bwrap";
    }
    results.figures[kind === "local" ? "overheadLocal" : "overheadDocker"] = figure;
  } finally {
    await agent.close();
    cleanup.remove(closeServer);
    await server.close();
    cleanup.remove(closeDouble);
    await double.close();
  }
}

async function poolPhase(kind) {
  const figure = await warmPool({
    kind,
    image: TEST_IMAGE,
    labels: { "sandcaster.bench": BENCH_ID },
    cleanup,
    log,
  });
  if (figure.skipped) note(`pool on ${kind} skipped: ${figure.skipped}`);
  results.figures[kind === "local" ? "poolLocal" : "poolDocker"] = figure;
}

async function leftoverContainers() {
  const ready = await dockerReadiness(TEST_IMAGE);
  if (!ready.ok) return [];
  const list = await ready.docker.listContainers({
    all: true,
    filters: { label: [`sandcaster.bench=${BENCH_ID}`] },
  });
  for (const container of list) {
    await ready.docker
      .getContainer(container.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
  return list.map((c) => c.Id.slice(0, 12));
}

async function localSandboxDirs() {
  return new Set((await readdir(os.tmpdir())).filter((name) => name.startsWith("sandcaster-")));
}

// the table -----------------------------------------------------------------------------------
function verdict(value, target, lowerIsBetter = true) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "n/a";
  return (lowerIsBetter ? value < target : value > target) ? "MET" : "NOT MET";
}

function printTable() {
  const f = results.figures;
  const rows = [];
  const row = (figure, measured, target = "", met = "") =>
    rows.push([figure, measured, target, met]);
  if (f.ttfb) {
    row(
      "first byte (headers), p50 / p95",
      `${f.ttfb.firstByteMs.p50} / ${f.ttfb.firstByteMs.p95} ms`,
      `< ${TARGETS.ttfbP50Ms} ms p50`,
      verdict(f.ttfb.firstByteMs.p50, TARGETS.ttfbP50Ms),
    );
    row("system/init event, p50 / p95", `${f.ttfb.initEventMs.p50} / ${f.ttfb.initEventMs.p95} ms`);
    row("trivial scripted run end to end, p50", `${f.ttfb.wholeRunMs.p50} ms`);
  }
  if (f.relay) {
    const cpu = f.relay.runs.map((r) => r.serverCpuPercent).join("/");
    row(
      "events relayed, one stream",
      `${f.relay.eventsPerSec} events/s (server CPU ${cpu} %)`,
      `> ${TARGETS.eventsPerSec} events/s`,
      verdict(f.relay.eventsPerSec, TARGETS.eventsPerSec, false),
    );
  }
  if (f.rssPerStream) {
    const r = f.rssPerStream;
    row(
      `server RSS with ${STREAMS} open streams`,
      `${r.with1000StreamsMb} MB (baseline ${r.baselineMb} MB, peak ${r.peakMb} MB)`,
      `< ${TARGETS.rss1000StreamsMb} MB`,
      verdict(r.with1000StreamsMb, TARGETS.rss1000StreamsMb),
    );
    row("RSS per open stream", `${r.perStreamKb} KB (heap ${r.heapPerStreamKb} KB)`);
    row(`open ${STREAMS} streams / cancel them all`, `${r.openAllMs} ms / ${r.cancelAllMs} ms`);
  }
  if (f.streams && !f.streams.skipped) {
    const s = f.streams;
    row(
      `server RSS with ${s.streams} open streams (measured)`,
      `${s.withStreamsMb} MB just after opening, forced GC (baseline ${s.baselineMb} MB, peak ${s.peakMb} MB; ${s.perStreamKb} KB/stream, heap ${s.heapPerStreamKb} KB, external ${s.externalPerStreamKb} KB)`,
    );
    if (s.settledMb !== undefined) {
      row(
        `server RSS with ${s.streams} open streams, settled`,
        `${s.settledMb} MB after ${s.idleSeconds} s idle (${s.settledPerStreamKb} KB/stream, heap ${s.settledHeapPerStreamKb} KB; lowest ${s.idleLowestMb} MB; heap ${s.idleHeapChangeMb >= 0 ? "+" : ""}${s.idleHeapChangeMb} MB while idle; idle server CPU ${s.idleCpuPercent} %)`,
      );
    }
    row(`open ${s.streams} streams / cancel them all`, `${s.openAllMs} ms / ${s.cancelAllMs} ms`);
  }
  if (f.followers) {
    const w = f.followers;
    row(
      `${w.followers} idle followers of a run (GET /runs/:id/events, SQLite)`,
      `server CPU ${w.idleCpuPercent} % over ${w.idleSeconds} s (RSS ${w.rssMb} MB)`,
    );
  }
  if (f.thousandActiveStreams) {
    const t = f.thousandActiveStreams;
    row(
      `${STREAMS} streams × 20 events over 3 s: done after`,
      `${t.allResultsAfterMs} ms (ideal ~3000; ${t.eventsPerSecAggregate} events/s, server CPU ${t.serverCpuPercent} %, ${t.failedStreams} failed)`,
    );
  }
  for (const [key, label] of [
    ["overheadLocal", "local"],
    ["overheadDocker", "docker"],
  ]) {
    const o = f[key];
    if (!o) continue;
    if (o.skipped) {
      row(
        `server overhead on ${label}`,
        `skipped: ${o.skipped}`,
        `< ${TARGETS.overheadP50Ms} ms p50`,
        "n/a",
      );
      continue;
    }
    if (o.bareRunnerMs) row("bare runner (node runner.mjs), p50", `${o.bareRunnerMs.p50} ms`);
    row(`through the ${label} provider by hand, p50`, `${o.providerDirectMs.p50} ms`);
    row(`through the server on ${label}, p50`, `${o.serverMs.p50} ms`);
    row(
      `server overhead on ${label} (server − provider), p50`,
      `${o.serverOverheadP50Ms} ms (median of paired differences ${o.serverOverheadPairedP50Ms} ms)`,
      `< ${TARGETS.overheadP50Ms} ms p50`,
      verdict(o.serverOverheadP50Ms, TARGETS.overheadP50Ms),
    );
    row(
      `sandbox acquire (create) on ${label}, p50 / destroy p50`,
      `${o.acquireMs.p50} ms / ${o.destroyMs.p50} ms`,
    );
    if (o.sandboxCostP50Ms !== undefined)
      row(
        `${label} sandbox cost over the bare runner, p50`,
        `${o.sandboxCostP50Ms} ms (${o.isolation})`,
      );
  }
  for (const [key, label] of [
    ["poolLocal", "local"],
    ["poolDocker", "docker"],
  ]) {
    const p = f[key];
    if (!p) continue;
    if (p.skipped) {
      row(`warm pool acquire on ${label}`, `skipped: ${p.skipped}`, "", "n/a");
      continue;
    }
    row(
      `warm pool acquire on ${label}, p50 (cold create p50)`,
      `${p.acquireWarmMs.p50} ms (${p.acquireColdMs.p50} ms)`,
      `< ${TARGETS.poolAcquireP50Ms} ms p50`,
      verdict(p.acquireWarmMs.p50, TARGETS.poolAcquireP50Ms),
    );
    row(
      `two-turn run on ${label}, p50: cold / pooled`,
      `${p.twoTurnRunColdMs.p50} ms / ${p.twoTurnRunWarmMs.p50} ms (saves ${p.savedP50Ms} ms)`,
    );
    row(
      `burst of ${p.burst.runs} on a pool of 3 (${label})`,
      `${p.burst.allSucceeded ? "all succeeded" : `${p.burst.failed} FAILED`}: ${p.burst.hits} warm + ${p.burst.misses} cold, p50 ${p.burst.endMs.p50} ms`,
    );
  }
  if (f.gateway) {
    const g = f.gateway;
    row(
      "model gateway added latency (loopback), p50",
      `${g.addedP50Ms} ms (paired ${g.addedPairedP50Ms} ms; direct ${g.directMs.p50} ms, via gateway ${g.throughGatewayMs.p50} ms; in-gateway ${g.inGatewayMs.p50} ms)`,
      `< ${TARGETS.gatewayAddedP50Ms} ms p50`,
      verdict(g.addedP50Ms, TARGETS.gatewayAddedP50Ms),
    );
  }
  if (f.tracing) {
    const t = f.tracing;
    row(
      "scripted run, traces off / off / on, p50",
      `${t.offMs.p50} / ${t.off2Ms.p50} / ${t.onMs.p50} ms`,
    );
    row(
      "tracing: time added per run, p50",
      `${t.addedP50Ms} ms (vs the 2nd off server ${t.addedP50VsOff2Ms} ms; off/off noise ${t.noiseP50Ms} ms; server CPU ${t.serverCpuMsPerRun.off} / ${t.serverCpuMsPerRun.off2} → ${t.serverCpuMsPerRun.on} ms/run)`,
      `≤ ${TARGETS.tracingAddedP50Ms} ms p50`,
      verdict(t.addedP50Ms, TARGETS.tracingAddedP50Ms + 0.001),
    );
  }
  if (f.agents?.skipped) row("agent invoke → first stdout byte", `skipped: ${f.agents.skipped}`);
  else if (f.agents)
    row(
      "agent invoke → first stdout byte (docker), p50: cold / pooled",
      `${f.agents.coldMs.p50} ms / ${f.agents.pooledMs.p50} ms (p95 ${f.agents.coldMs.p95} / ${f.agents.pooledMs.p95} ms; ${f.agents.poolHits} pool hits)`,
    );
  if (f.upstream?.skipped)
    row("upstream Sandcaster side by side (docker)", `n/a: ${f.upstream.skipped}`);
  else if (f.upstream) {
    const u = f.upstream;
    row(
      "two-turn run on docker, p50: ours cold / pooled / upstream",
      `${u.oursColdMs.p50} / ${u.oursPooledMs.p50} / ${u.upstreamColdMs.p50} ms (${u.rounds} interleaved rounds; paired ratios ${u.coldVsUpstreamPaired} / ${u.pooledVsUpstreamPaired})`,
    );
  }
  for (const [figure, measured] of bootRows(f.runnerBoot)) row(figure, measured);
  if (results.load) {
    const { emptyNodeBeforeMs: before, emptyNodeAfterMs: after } = results.load;
    row(
      "load indicator: node -e 0, p50 before / after",
      `${before.p50} / ${after?.p50} ms (compare with this host idle: more means other load)`,
    );
  }
  results.speedTargets = speedTargets(f);
  if (results.speedTargets.length > 0) row("— issue 21 targets —", "");
  for (const target of results.speedTargets)
    row(target.target, target.figure, `≤ ${target.limit}`, target.verdict);
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max(...[["figure", "measured", "target", ""], ...rows].map((r) => String(r[i]).length)),
  );
  const line = (r) =>
    r
      .map((cell, i) => String(cell).padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  console.log("");
  console.log(line(["figure", "measured", "target", ""]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log("");
}

// main ----------------------------------------------------------------------------------------
let failed = false;
const dirsBefore = await localSandboxDirs();
results.load = { emptyNodeBeforeMs: await emptyNodeMs() };
log(`load indicator: node -e 0 takes ${results.load.emptyNodeBeforeMs.p50} ms p50 now`);
try {
  const phases = [
    ["latency", latencyAndThroughput],
    ["rss", rssPerStream],
    ["active", manyActiveStreams],
    [
      "streams",
      async () => {
        const figure = await manyOpenStreams({ cleanup, log });
        if (figure.skipped) note(`streams skipped: ${figure.skipped}`);
        results.figures.streams = figure;
      },
    ],
    [
      "followers",
      async () => {
        results.figures.followers = await idleFollowers({ cleanup, log });
      },
    ],
    ["local", () => overhead("local")],
    ["docker", () => overhead("docker")],
    ["pool-local", () => poolPhase("local")],
    ["pool-docker", () => poolPhase("docker")],
    [
      "gateway",
      async () => {
        results.figures.gateway = await gatewayLatency();
      },
    ],
    [
      "tracing",
      async () => {
        results.figures.tracing = await tracingOverhead({
          runs: 300,
          warmups: 20,
          cleanup,
          log,
          expectOk,
        });
      },
    ],
    [
      "agents",
      async () => {
        results.figures.agents = await agentPool({
          image: TEST_IMAGE,
          labels: { "sandcaster.bench": BENCH_ID },
          cleanup,
          log,
        });
      },
    ],
    [
      "upstream",
      async () => {
        results.figures.upstream = await upstreamSideBySide({
          image: TEST_IMAGE,
          labels: { "sandcaster.bench": BENCH_ID },
          cleanup,
          log,
        });
      },
    ],
    [
      "boot",
      async () => {
        log("runner boot: cold runner processes on the host, broken down");
        results.figures.runnerBoot = await runnerBoot(runnerBundlePath());
      },
    ],
  ];
  // `node scripts/bench.mjs --only latency,local` runs some phases.
  const onlyArg = process.argv.indexOf("--only");
  const only = onlyArg >= 0 ? new Set((process.argv[onlyArg + 1] ?? "").split(",")) : undefined;
  for (const [name, phase] of phases) {
    if (only && !only.has(name)) continue;
    try {
      await phase();
    } catch (error) {
      failed = true;
      note(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    }
  }
} finally {
  await cleanup.run();
  const containers = await leftoverContainers();
  if (containers.length > 0) note(`removed leftover bench containers: ${containers.join(", ")}`);
  await sleep(200);
  const newDirs = [...(await localSandboxDirs())].filter((name) => !dirsBefore.has(name));
  if (newDirs.length > 0)
    note(
      `temp dirs that appeared during the bench and are still there (maybe another process's): ${newDirs.slice(0, 5).join(", ")}`,
    );
}
results.endedAt = new Date().toISOString();
results.load.emptyNodeAfterMs = await emptyNodeMs();
printTable();
for (const message of results.notes) console.log(`note: ${message}`);
await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results written to ${RESULTS_FILE.pathname}`);
process.exitCode = failed ? 1 : 0;
