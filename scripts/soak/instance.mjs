// One Sandcaster instance for the fault suite and the soak, in its own process (so it can crash or be
// killed): the real app and store, scripted sandboxes, the liveness sweeper. Started with fork():
// options as JSON in argv[2] {databaseUrl?, sqlitePath?, instanceId, heartbeatSecs, staleAfterSecs}; then IPC
//   → {type: "ready", url, pid}
//   ← {type: "stats"}  → {type: "stats", alive, running, activeRuns, outbox}
//   ← {type: "close"}  → graceful shutdown (SIGTERM does the same), exit 0
// Prompts pick the runner's output: "typical:<ms>" ~20 events over ms · "hold:<ms>" result after ms ·
// "flood:<n>" n deltas at full speed · "crash:<ms>" exit 1 after ms, no result.
import { createApp, startServer } from "@sandcaster/api";
import {
  ActiveRuns,
  createProviderSelector,
  createRunStore,
  keepRunsAlive,
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
const logger = pino({ level: process.env.SANDCASTER_SOAK_LOG ?? "silent" });

function* crashing(ms) {
  const [first] = typicalRunLines({ durationMs: 0 });
  if (first) yield first;
  yield { delayMs: ms, line: "not json: the runner is going down" };
}

function scriptFor(prompt) {
  const [mode, arg] = String(prompt ?? "").split(":");
  const n = Number(arg);
  if (mode === "flood") return floodRunLines(n);
  if (mode === "hold") return heldRunLines(n);
  if (mode === "crash") return crashing(n);
  return typicalRunLines({ durationMs: Number.isFinite(n) ? n : 1000 });
}

const scripted = createScriptedSandboxProvider({
  name: "local",
  lines: (_runId, context) => scriptFor(context.runnerConfig?.prompt),
});
const store = createRunStore({
  databaseUrl: options.databaseUrl,
  sqlitePath: options.sqlitePath ?? ":memory:",
  logger,
});
await store.migrate();
const config = SandcasterConfigSchema.parse({
  sandboxProvider: "local",
  // Scripted sandboxes have no host socket dir (they never call a model): the gateway is only
  // opened for them, at a URL nothing dials.
  gateway: { publicUrl: "http://127.0.0.1:9/gateway" },
  limits: { maxConcurrentRuns: 500, maxQueuedRuns: 0 },
  runs: { heartbeatSecs: options.heartbeatSecs ?? 1, staleAfterSecs: options.staleAfterSecs ?? 3 },
  ...(options.maxPerRun ? { events: { maxPerRun: options.maxPerRun } } : {}),
});
const activeRuns = new ActiveRuns();
const stopKeepingAlive = keepRunsAlive({
  store,
  activeRuns,
  heartbeatMs: config.runs.heartbeatSecs * 1000,
  staleAfterMs: config.runs.staleAfterSecs * 1000,
  logger,
});
let draining = false;
const app = createApp({
  services: { store, config, logger },
  providers: createProviderSelector({ local: scripted }, "local"),
  activeRuns,
  env: { ANTHROPIC_API_KEY: "sk-ant-soak-key" },
  version: "soak",
  isDraining: () => draining,
});
const server = await startServer({
  app,
  host: "127.0.0.1",
  port: 0,
  logger,
  activeRuns,
  onDrain: () => {
    draining = true;
  },
});

let closing;
function close() {
  closing ??= (async () => {
    await server.shutdown(options.graceMs ?? 2000);
    // Our runs stay stamped until their last writes landed: a sweeper elsewhere must not declare
    // a run lost whose end is on its way to the store.
    await stopKeepingAlive();
    await store.close();
  })();
  return closing;
}

process.on("message", async (message) => {
  if (message?.type === "stats") {
    process.send?.({
      type: "stats",
      alive: scripted.alive(),
      running: scripted.running(),
      activeRuns: activeRuns.size,
      outbox: store.outboxStats(),
    });
  }
  if (message?.type === "close") {
    await close();
    process.send?.({ type: "closed" });
    process.exit(0);
  }
});
process.once("SIGTERM", () => void close().then(() => process.exit(0)));
// The parent died: do not outlive it.
process.on("disconnect", () => void close().then(() => process.exit(0)));
process.send?.({ type: "ready", url: server.url, pid: process.pid });
