// A Sandcaster server for the benchmarks, in its own process (so its RSS and CPU are its own).
// Started by scripts/bench.mjs with fork(): options as JSON in argv[2], then IPC:
//   → {type: "ready", url, pid, dir}   once it listens on 127.0.0.1 (dir: its store's temp dir)
//   ← {type: "stats"}  → {type: "stats", rss, heapUsed, external, activeRuns, alive, running}
//   ← {type: "snapshot", path} → {type: "snapshot"} once a V8 heap snapshot is written to path
//   ← {type: "close"}  → shuts down (runs cancelled, sandboxes destroyed), store removed, exit 0
// options.pool {size, maxAgeSecs}: a warm pool in front of the local/docker provider (stats.pool).
// Traces are on when the environment sets an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT), as with
// `sandcaster serve`.
// provider "scripted": the runner's output is chosen by the prompt:
//   "flood:<n>" n deltas at full speed · "hold:<ms>" result after ms · "typical:<ms>" ~20 events
//   spread over ms · "together:<ms>" agent_start, then, after {type: "release"}, typical:<ms> ·
//   anything else: agent_start and result at once.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";
import { createApp, startServer } from "@sandcaster/api";
import {
  ActiveRuns,
  createDockerProvider,
  createLocalProvider,
  createProviderSelector,
  createRunStore,
  pooledProvider,
  startTracing,
  warmPoolFor,
} from "@sandcaster/core";
import { SandcasterConfigSchema } from "@sandcaster/protocol";
import {
  createScriptedSandboxProvider,
  floodRunLines,
  heldRunLines,
  typicalRunLines,
} from "@sandcaster/testkit";
import { pino } from "pino";

const options = JSON.parse(process.argv[2] ?? "{}");
const kind = options.provider ?? "scripted";

/** Resolved by a {type: "release"} message: "together:" runs wait for it (at most 30 s). */
let release;
const released = new Promise((resolve) => {
  release = resolve;
});

async function* together(durationMs) {
  const [first, ...rest] = typicalRunLines({ durationMs });
  if (first) yield first;
  let timer;
  await Promise.race([released, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
  clearTimeout(timer);
  yield* rest;
}

function scriptFor(prompt) {
  const [mode, arg] = String(prompt ?? "").split(":");
  const n = Number(arg);
  if (mode === "together") return together(n);
  if (mode === "flood") return floodRunLines(n);
  if (mode === "hold") return heldRunLines(n);
  if (mode === "typical") return typicalRunLines({ durationMs: n });
  return typicalRunLines({ deltas: 0, toolCalls: 0, durationMs: 0 });
}

const dir = await mkdtemp(join(options.storeDir ?? tmpdir(), "sandcaster-bench-server-"));
const store = createRunStore({ sqlitePath: join(dir, "runs.db") });
await store.migrate();
const logger = pino({ level: "silent" });
const sandboxName = kind === "docker" ? "docker" : "local";
const config = SandcasterConfigSchema.parse({
  sandboxProvider: sandboxName,
  // Scripted sandboxes have no host socket dir (they never call a model): the gateway is only
  // opened for them, at a URL nothing dials.
  gateway: { publicUrl: "http://127.0.0.1:9/gateway" },
  // options.maxRuns: the streams phase holds 10,000 runs open at once.
  limits: { maxConcurrentRuns: options.maxRuns ?? 5000, maxQueuedRuns: 0 },
  // The bench's model double listens on the bridge gateway for containers.
  docker: { image: options.image ?? "sandcaster-sandbox:test" },
});
const scripted =
  kind === "scripted"
    ? createScriptedSandboxProvider({
        name: "local",
        lines: (_runId, context) => scriptFor(context.runnerConfig?.prompt),
      })
    : undefined;
const inner =
  scripted ??
  (kind === "docker"
    ? createDockerProvider({ image: config.docker.image, labels: options.labels })
    : createLocalProvider({ isolation: "auto", logger }));
const pool =
  options.pool && !scripted
    ? warmPoolFor(
        inner,
        { size: options.pool.size, maxAgeSecs: options.pool.maxAgeSecs ?? 900 },
        config.docker,
        logger,
      )
    : undefined;
const provider = pool ? pooledProvider(pool) : inner;
const activeRuns = new ActiveRuns();
const tracing = await startTracing(process.env, { name: "sandcaster-bench", version: "bench" });
const app = createApp({
  tracing,
  services: { store, config, logger },
  providers: createProviderSelector({ [sandboxName]: provider }, sandboxName),
  activeRuns,
  env: {
    ANTHROPIC_API_KEY: "sk-ant-bench-key",
    ...(options.modelUrl ? { ANTHROPIC_BASE_URL: options.modelUrl } : {}),
  },
  version: "bench",
});
const server = await startServer({ app, host: "127.0.0.1", port: 0, logger, activeRuns });

/** Resident bytes of the process by mapping: malloc's brk heap, other anonymous maps, files. */
function residentByKind() {
  const totals = { mallocHeap: 0, anonymous: 0, files: 0 };
  let kind = "anonymous";
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const name = mapping[1] ?? "";
      kind = name === "[heap]" ? "mallocHeap" : name.startsWith("/") ? "files" : "anonymous";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) totals[kind] += Number(rss[1]) * 1024;
  }
  return totals;
}

/** `lite`: no read of /proc/self/smaps (a string of ~1 MB each time: garbage a settling heap would count). */
const stats = (lite = false) => {
  const memory = process.memoryUsage();
  return {
    type: "stats",
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    external: memory.external,
    ...(lite ? {} : residentByKind()),
    // Committed bytes of each V8 space (new_space grows with allocation and shrinks when idle).
    spaces: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size])),
    activeRuns: activeRuns.size,
    alive: scripted?.alive() ?? null,
    running: scripted?.running() ?? null,
    pool: pool?.stats() ?? null,
  };
};

let closing;
async function close() {
  closing ??= (async () => {
    await server.shutdown(2000);
    await tracing?.shutdown();
    await pool?.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  })();
  return closing;
}

process.on("message", async (message) => {
  if (message?.type === "stats") process.send?.(stats(message.lite === true));
  if (message?.type === "release") release();
  if (message?.type === "snapshot") {
    writeHeapSnapshot(message.path);
    process.send?.({ type: "snapshot" });
  }
  if (message?.type === "gc") {
    globalThis.gc?.();
    process.send?.({ type: "gc" });
  }
  if (message?.type === "close") {
    await close();
    process.send?.({ type: "closed" });
    process.disconnect?.();
    process.exit(0);
  }
});
// The bench died: do not outlive it.
process.on("disconnect", () => {
  void close().then(() => process.exit(0));
});
process.send?.({ type: "ready", url: server.url, pid: process.pid, dir });
