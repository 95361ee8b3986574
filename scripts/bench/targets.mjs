// Issue 21's targets, each as figure / target / MET or NOT MET, from the bench's figures. Ratios
// to upstream Sandcaster need upstream measured on the same machine: the `upstream` phase measures
// both sides interleaved (figures.upstream). Without it, its p50s (ms) can be passed in
// SANDCASTER_BENCH_UPSTREAM_DOCKER_MS (the scripted two-turn run on docker, stream end, cold) and
// SANDCASTER_BENCH_UPSTREAM_DOCKER_POOLED_MS (the same with its warm pool); when set, they
// override the phase's upstream figures; with neither, those rows say n/a.
import { round } from "./lib.mjs";

export const SPEED_TARGETS = {
  pooledFirstRequestP50Ms: 30,
  pooledStreamEndVsUpstream: 0.15,
  coldRunnerBootP50Ms: 150,
  coldDockerStreamEndVsUpstream: 0.3,
  dockerServerOverheadPairedP50Ms: 15,
  tenThousandStreamsMb: 500,
};

const upstreamMs = (name) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
};

function check(value, target) {
  if (value === undefined || value === null || !Number.isFinite(value)) return "n/a";
  return value <= target ? "MET" : "NOT MET";
}

/** [{target, figure, value, limit, verdict}] for the figures present. */
export function speedTargets(figures) {
  const t = SPEED_TARGETS;
  const rows = [];
  // An extrapolated figure is not a measurement: its verdict says so (never a bare MET).
  const add = (target, value, limit, figure, { estimate = false } = {}) =>
    rows.push({
      target,
      value,
      limit,
      figure,
      verdict: estimate ? `estimate only: ${check(value, limit)}` : check(value, limit),
    });
  for (const [key, label] of [
    ["poolLocal", "local"],
    ["poolDocker", "docker"],
  ]) {
    const pool = figures[key];
    if (!pool || pool.skipped) continue;
    const warm = pool.firstModelRequestWarmMs?.p50;
    add(
      `pooled run on ${label}: POST /query → first model request, p50`,
      warm,
      t.pooledFirstRequestP50Ms,
      `${warm} ms (cold ${pool.firstModelRequestColdMs?.p50} ms)`,
    );
  }
  const docker = figures.poolDocker;
  // Measured side by side with upstream (same rounds), else the pool phase's runs.
  const side = figures.upstream && !figures.upstream.skipped ? figures.upstream : undefined;
  const upstreamCold =
    upstreamMs("SANDCASTER_BENCH_UPSTREAM_DOCKER_MS") ?? side?.upstreamColdMs.p50;
  // Upstream's /query has no warm pool: its pooled figure is its cold one.
  const upstreamPooled =
    upstreamMs("SANDCASTER_BENCH_UPSTREAM_DOCKER_POOLED_MS") ??
    side?.upstreamPooledMs?.p50 ??
    upstreamCold;
  if (side || (docker && !docker.skipped)) {
    const pooled = side ? side.oursPooledMs.p50 : docker.twoTurnRunWarmMs.p50;
    const cold = side ? side.oursColdMs.p50 : docker.twoTurnRunColdMs.p50;
    add(
      "pooled two-turn run on docker, stream end vs upstream's",
      upstreamPooled ? round(pooled / upstreamPooled, 3) : undefined,
      t.pooledStreamEndVsUpstream,
      upstreamPooled
        ? `${pooled} ms = ${round(pooled / upstreamPooled, 3)}× upstream's ${upstreamPooled} ms`
        : `${pooled} ms (upstream not measured here)`,
    );
    add(
      "cold two-turn run on docker, stream end vs upstream's",
      upstreamCold ? round(cold / upstreamCold, 3) : undefined,
      t.coldDockerStreamEndVsUpstream,
      upstreamCold
        ? `${cold} ms = ${round(cold / upstreamCold, 3)}× upstream's ${upstreamCold} ms`
        : `${cold} ms (upstream not measured here)`,
    );
  }
  const boot = figures.runnerBoot;
  if (boot) {
    add(
      "cold runner boot on local (process start → first model request), p50",
      boot.firstRequestMs.p50,
      t.coldRunnerBootP50Ms,
      `${boot.firstRequestMs.p50} ms (an empty node process: ${boot.emptyNodeProcessMs.p50} ms)`,
    );
  }
  const overhead = figures.overheadDocker;
  if (overhead && !overhead.skipped) {
    add(
      "server overhead on docker (paired), p50",
      overhead.serverOverheadPairedP50Ms,
      t.dockerServerOverheadPairedP50Ms,
      `${overhead.serverOverheadPairedP50Ms} ms`,
    );
  }
  const streams = figures.streams;
  if (streams && !streams.skipped) {
    const measured = streams.streams >= 10_000;
    // The settled figure when the bench waited for it (what an instance holding them keeps).
    const settled = streams.settledMb !== undefined;
    const perStreamKb = settled ? streams.settledPerStreamKb : streams.perStreamKb;
    const mb = measured
      ? (streams.settledMb ?? streams.withStreamsMb)
      : round(streams.baselineMb + (perStreamKb * 10_000) / 1024, 0);
    const how = settled
      ? `settled after ${streams.idleSeconds} s idle; ${streams.withStreamsMb} MB just after opening, peak ${streams.peakMb} MB`
      : "just after opening, forced GC";
    add(
      "10,000 open SSE streams on one server, RSS",
      mb,
      t.tenThousandStreamsMb,
      measured
        ? `${mb} MB (${perStreamKb} KB/stream over a ${streams.baselineMb} MB baseline; measured, ${how})`
        : `${mb} MB extrapolated from ${streams.streams} open streams (${perStreamKb} KB/stream over ${streams.baselineMb} MB; ${how})`,
      { estimate: !measured },
    );
  }
  const rss = figures.rssPerStream;
  if (rss && !(streams && !streams.skipped)) {
    const mb = round(rss.baselineMb + (rss.perStreamKb * 10_000) / 1024, 0);
    add(
      "10,000 open SSE streams, server RSS (extrapolated from 1,000)",
      mb,
      t.tenThousandStreamsMb,
      `${mb} MB (${rss.perStreamKb} KB/stream over a ${rss.baselineMb} MB baseline)`,
      { estimate: true },
    );
  }
  return rows;
}

/** The runner boot breakdown as table rows (no target of its own). */
export function bootRows(boot) {
  if (!boot) return [];
  const b = boot.breakdownP50Ms;
  const c = boot.cpuP50Ms;
  return [
    [
      "runner boot breakdown, p50 wall ms",
      `process start ${b.processStart} · bundle parse ${b.bundleParse} · top level ${b.topLevel} · config ${b.configRead} · SDK load ${b.sdkLoad} · → first request ${b.toFirstRequest}`,
    ],
    [
      "runner boot, p50 CPU ms",
      `to bundle start ${c.toBundleStart} · top level ${c.topLevel} · config ${c.configRead} · SDK load ${c.sdkLoad} · whole run ${c.wholeRun}`,
    ],
    [
      "runner bundle's V8 code cache, runs",
      Object.entries(boot.codeCache ?? {})
        .map(([how, runs]) => `${how} ${runs}`)
        .join(" · "),
    ],
    ...snapshotRows(boot.fromSnapshot),
  ];
}

/** The same boots from a V8 startup snapshot of runner.mjs, interleaved (no provider uses it yet). */
function snapshotRows(snap) {
  if (!snap) return [];
  const b = snap.breakdownP50Ms;
  const c = snap.cpuP50Ms;
  return [
    [
      "runner boot from a startup snapshot (A/B), p50",
      `${snap.firstRequestMs.p50} ms to first request (blob ${(snap.blobBytes / 1e6).toFixed(1)} MB)`,
    ],
    [
      "… its breakdown, p50 wall ms",
      `process start ${b.processStart} · to main ${round(b.bundleParse + b.topLevel)} · config ${b.configRead} · SDK load ${b.sdkLoad} · → first request ${b.toFirstRequest}`,
    ],
    [
      "… its CPU, p50 ms",
      `to main ${c.toMain} · config ${c.configRead} · SDK load ${c.sdkLoad} · whole run ${c.wholeRun}`,
    ],
  ];
}
