// Issue 21's 10,000 streams: N concurrent open SSE streams (POST /query, each its own scripted run
// holding after agent_start) against one server process; its RSS, heap and KB per stream. The
// clients live in the bench process, so only the server's memory is counted. Bounded: opening
// must finish within 60 ms a stream (at least 2 minutes; ~3 ms a stream on an idle 2-core host,
// 75 ms with seven other heavy jobs on it), draining within DRAIN_WITHIN_MS.
// N: SANDCASTER_BENCH_STREAMS (default 10,000). Each stream is one socket at both ends: the bench
// (and the server it forks, which inherits the limit) needs `ulimit -n` above N + 1,000; Node cannot
// raise it from inside, so the phase stops early and says so. SANDCASTER_BENCH_HEAP=1 also writes
// two heap snapshots and prints where the heap per stream goes (scripts/bench/heap-diff.mjs);
// SANDCASTER_BENCH_HEAP_DIR=<dir> keeps them there (to look again with heap-diff.mjs by hand).
// Two figures: right after the last stream opened (after a forced GC), and settled: the streams
// left idle for SANDCASTER_BENCH_SETTLE_S (240 s), the highest RSS of its last quarter. A forced GC
// neither compacts nor shrinks V8's young generation; V8's memory reducer does both on its own
// once a heap is idle (30–60 s after a full GC here), so the settled figure is what an instance
// holding 10,000 open runs keeps, and the peak is what it needs while they open.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectGate, createAgent, query } from "./client.mjs";
import { heapDiff } from "./heap-diff.mjs";
import { cpuMsOf, MB, peakRssOf, round, sleep, until, withTimeout } from "./lib.mjs";
import { startBenchServer } from "./server-process.mjs";

const DEFAULT_STREAMS = 10_000;
const OPEN_MS_PER_STREAM = 60;
const DRAIN_WITHIN_MS = 120_000;
const CONNECT_GATE = 256;
/** A GC or stats reply from a server holding 10,000 streams on a loaded host can take a while. */
const ASK_MS = 180_000;
/** Longer than the phase can take: the runs end by being cancelled. */
const HOLD_MS = 900_000;
const SETTLE_POLL_MS = 5000;

function settleMs() {
  const asked = Number(process.env.SANDCASTER_BENCH_SETTLE_S);
  return (Number.isFinite(asked) && asked >= 0 ? asked : 240) * 1000;
}

/**
 * Leaves the server alone with its open streams for `withinMs`, reading its memory every 5 s (no
 * forced GC): the settled RSS (the highest of the window's last quarter), the lowest, how the heap
 * moved, and the CPU the idle server used (its own timers: heartbeats, cancel polls).
 */
async function settle(server, withinMs, log) {
  const cpuBefore = cpuMsOf(server.pid);
  const started = performance.now();
  const samples = [];
  while (performance.now() - started < withinMs) {
    await sleep(Math.min(SETTLE_POLL_MS, withinMs));
    const stats = await server.stats(ASK_MS, true);
    const atMs = performance.now() - started;
    samples.push({ atMs, rss: stats.rss, heapUsed: stats.heapUsed, stats });
    if (samples.length % 6 === 0)
      log(`  idle ${round(atMs / 1000, 0)} s: RSS ${round(stats.rss / MB, 1)} MB`);
  }
  const elapsedMs = performance.now() - started;
  const tail = samples.filter((sample) => sample.atMs >= elapsedMs * 0.75);
  const settled = tail.reduce((high, sample) => (sample.rss > high.rss ? sample : high), tail[0]);
  return {
    settled,
    lowestRss: Math.min(...samples.map((sample) => sample.rss)),
    heapUsedChange: samples.at(-1).heapUsed - samples[0].heapUsed,
    idleCpuPercent: ((cpuMsOf(server.pid) - cpuBefore) / elapsedMs) * 100,
    elapsedMs,
    rssMbEvery5s: samples.map((sample) => round(sample.rss / MB, 0)),
  };
}

/** The soft open-files limit of this process (inherited by the server it forks). */
function openFilesLimit() {
  const limits = readFileSync("/proc/self/limits", "utf8");
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  return match?.[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(match?.[1]);
}

export function streamCount() {
  const asked = Number(process.env.SANDCASTER_BENCH_STREAMS);
  return Number.isInteger(asked) && asked > 0 ? asked : DEFAULT_STREAMS;
}

async function openHeld(url, agent, count) {
  const withinMs = Math.max(120_000, count * OPEN_MS_PER_STREAM);
  const gate = connectGate(CONNECT_GATE);
  const controllers = [];
  let open = 0;
  let resolveAll;
  const allOpen = new Promise((resolve) => {
    resolveAll = resolve;
  });
  const opened = [];
  const outcomes = Array.from({ length: count }, (_, i) => {
    const controller = new AbortController();
    controllers.push(controller);
    opened.push(false);
    let counted = false;
    return query(
      url,
      // The longest run timeout: on a loaded host opening takes minutes, and the default would end
      // the first streams before the last are open.
      { prompt: `hold:${HOLD_MS}`, timeout: 3600 },
      {
        dispatcher: agent,
        gate,
        signal: controller.signal,
        onEvent: (_type, n) => {
          // init, sandbox_ready, agent_start: the run is up and its stream is open.
          if (!counted && n >= 3 && !controller.signal.aborted) {
            counted = true;
            opened[i] = true;
            if (++open === count) resolveAll();
          }
        },
      },
    );
  });
  const started = performance.now();
  const ok = await withTimeout(allOpen, withinMs, "opening streams").then(
    () => true,
    () => false,
  );
  return {
    ok,
    open: () => open,
    openMs: performance.now() - started,
    withinMs,
    outcomes: Promise.all(outcomes),
    /** Gives up on the streams not open yet (their runs are cancelled). */
    abortUnopened: () => {
      controllers.forEach((controller, i) => {
        if (!opened[i]) controller.abort();
      });
    },
    abortAll: () => {
      for (const controller of controllers) controller.abort();
    },
  };
}

/** The figure `streams`: {streams, baselineMb, withStreamsMb, perStreamKb, …} or {skipped}. */
export async function manyOpenStreams({ cleanup, log }) {
  const count = streamCount();
  const limit = openFilesLimit();
  if (limit < count + 1000) {
    return {
      skipped: `${count} streams need \`ulimit -n\` ≥ ${count + 1000} (it is ${limit}): raise it in the shell that runs the bench, or set SANDCASTER_BENCH_STREAMS lower`,
    };
  }
  const keepIn = process.env.SANDCASTER_BENCH_HEAP_DIR;
  const heap = process.env.SANDCASTER_BENCH_HEAP === "1" || Boolean(keepIn);
  const snapshots = heap
    ? (keepIn ?? (await mkdtemp(join(tmpdir(), "sandcaster-bench-heap-"))))
    : undefined;
  // The config allows at most 10,000 runs at once (the target).
  const server = await startBenchServer({ provider: "scripted", maxRuns: Math.min(count, 10_000) });
  const closeServer = cleanup.add(() => server.close());
  const agent = createAgent(count + 100);
  try {
    log(`${count} open SSE streams on one server (scripted runs holding after agent_start)`);
    for (let i = 0; i < 20; i++) {
      const warm = await query(server.url, { prompt: "typical:0" }, { dispatcher: agent });
      if (warm.lastType !== "result") throw new Error(`warm-up run ended with ${warm.lastType}`);
    }
    await server.gc(ASK_MS);
    await sleep(500);
    await server.gc(ASK_MS);
    const baseline = await server.stats(ASK_MS);
    if (snapshots) await server.snapshot(join(snapshots, "before.heapsnapshot"));
    const streams = await openHeld(server.url, agent, count);
    // Out of time (a loaded host): the figures are taken with the streams that did open.
    let open = streams.open();
    if (open === 0) {
      streams.abortAll();
      await streams.outcomes;
      throw new Error(`no stream opened within ${streams.withinMs} ms`);
    }
    if (!streams.ok) {
      log(`only ${open} of ${count} streams opened in time: measuring those`);
      streams.abortUnopened();
      open = streams.open();
      // The given-up runs end (their sandboxes go) before the figures are taken.
      await until(async () => (await server.stats(ASK_MS)).activeRuns <= open, DRAIN_WITHIN_MS);
    }
    await sleep(1000);
    const beforeGc = await server.stats(ASK_MS);
    // Streams that ended early (refused, timed out) would make the figure per stream a lie.
    if (beforeGc.activeRuns < open) {
      streams.abortAll();
      await streams.outcomes;
      throw new Error(`only ${beforeGc.activeRuns} of the ${open} opened runs are still running`);
    }
    // V8 sweeps and gives back freed pages after the GC returns: the settled figure, as at baseline.
    await server.gc(ASK_MS);
    await sleep(500);
    await server.gc(ASK_MS);
    const withStreams = await server.stats(ASK_MS);
    const idle = settleMs() > 0 ? await settle(server, settleMs(), log) : undefined;
    const peak = peakRssOf(server.pid);
    const heapTop = snapshots
      ? await (async () => {
          await server.snapshot(join(snapshots, "after.heapsnapshot"));
          return heapDiff(
            join(snapshots, "before.heapsnapshot"),
            join(snapshots, "after.heapsnapshot"),
            open,
          );
        })()
      : undefined;
    const cancelStarted = performance.now();
    streams.abortAll();
    await streams.outcomes;
    const drained = await until(async () => {
      const s = await server.stats(ASK_MS);
      return s.activeRuns === 0 && s.alive === 0;
    }, DRAIN_WITHIN_MS);
    if (!drained) throw new Error(`cancelled runs did not all end within ${DRAIN_WITHIN_MS} ms`);
    const cancelMs = performance.now() - cancelStarted;
    const per = (field) => round((withStreams[field] - baseline[field]) / open / 1024, 1);
    return {
      what: `server process RSS with ${open} open, idle POST /query streams (each its own scripted run, holding after agent_start); clients in another process. withStreamsMb: right after the last opened, after a forced GC; settledMb: the highest RSS in the last quarter of ${round(settleMs() / 1000, 0)} s left idle`,
      streams: open,
      asked: count,
      baselineMb: round(baseline.rss / MB, 1),
      withStreamsMb: round(withStreams.rss / MB, 1),
      withStreamsBeforeGcMb: round(beforeGc.rss / MB, 1),
      peakMb: round(peak / MB, 1),
      perStreamKb: per("rss"),
      ...(idle
        ? {
            settledMb: round(idle.settled.rss / MB, 1),
            settledPerStreamKb: round((idle.settled.rss - baseline.rss) / open / 1024, 1),
            settledHeapPerStreamKb: round(
              (idle.settled.heapUsed - baseline.heapUsed) / open / 1024,
              1,
            ),
            settledSpacesMb: Object.fromEntries(
              Object.entries(idle.settled.stats.spaces ?? {}).map(([name, bytes]) => [
                name,
                round(bytes / MB, 1),
              ]),
            ),
            idleLowestMb: round(idle.lowestRss / MB, 1),
            idleSeconds: round(idle.elapsedMs / 1000, 0),
            idleHeapChangeMb: round(idle.heapUsedChange / MB, 1),
            idleCpuPercent: round(idle.idleCpuPercent, 1),
            idleRssMbEvery5s: idle.rssMbEvery5s,
          }
        : {}),
      heapPerStreamKb: per("heapUsed"),
      externalPerStreamKb: per("external"),
      // Where the RSS is: V8's heap pages, malloc's heap (native: sockets, parsers, SQLite), maps.
      heapTotalPerStreamKb: per("heapTotal"),
      mallocHeapPerStreamKb: per("mallocHeap"),
      anonymousPerStreamKb: per("anonymous"),
      // V8's committed spaces, MB, at baseline → with the streams: where the heap's pages went.
      spacesMb: Object.fromEntries(
        Object.keys(withStreams.spaces ?? {}).map((name) => [
          name,
          `${round((baseline.spaces?.[name] ?? 0) / MB, 1)} → ${round(withStreams.spaces[name] / MB, 1)}`,
        ]),
      ),
      openAllMs: round(streams.openMs, 0),
      cancelAllMs: round(cancelMs, 0),
      ...(heapTop ? { heapTop } : {}),
    };
  } finally {
    await agent.close();
    cleanup.remove(closeServer);
    await server.close();
    if (snapshots && !keepIn) await rm(snapshots, { recursive: true, force: true });
  }
}
