// Followers of one run (GET /runs/:id/events, what `sandcaster runs tail` and a reconnecting
// browser hold) left idle on a server with a SQLite store: the server's CPU while nothing happens.
// Each follower used to read the store twice on every poll tick (four times a second), so an idle
// server with 1,000 of them made 8,000 reads a second; now a tick reads one pragma.
// N: SANDCASTER_BENCH_FOLLOWERS (default 1,000); idle window SANDCASTER_BENCH_FOLLOW_IDLE_S (20 s).
import { setMaxListeners } from "node:events";
import { request } from "undici";
import { createAgent } from "./client.mjs";
import { cpuMsOf, round, sleep, until } from "./lib.mjs";
import { startBenchServer } from "./server-process.mjs";

const DEFAULT_FOLLOWERS = 1000;
/** Longer than the phase: the held run ends when the server closes. */
const HOLD_MS = 600_000;

function envNumber(name, fallback) {
  const asked = Number(process.env[name]);
  return Number.isFinite(asked) && asked > 0 ? asked : fallback;
}

/** Opens GET /runs/:id/events and counts the bytes that arrive until `signal` aborts. */
async function follow(url, runId, dispatcher, signal, seen) {
  try {
    const response = await request(new URL(`/runs/${runId}/events`, url), {
      dispatcher,
      signal,
      headers: { accept: "text/event-stream" },
    });
    if (response.statusCode !== 200) throw new Error(`follower got ${response.statusCode}`);
    for await (const chunk of response.body) seen.bytes += chunk.length;
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/** The figure `followers`: {followers, idleSeconds, idleCpuPercent, …}. */
export async function idleFollowers({ cleanup, log }) {
  const count = envNumber("SANDCASTER_BENCH_FOLLOWERS", DEFAULT_FOLLOWERS);
  const idleMs = envNumber("SANDCASTER_BENCH_FOLLOW_IDLE_S", 20) * 1000;
  const server = await startBenchServer({ provider: "scripted" });
  const closeServer = cleanup.add(() => server.close());
  const agent = createAgent(count + 10);
  const stop = new AbortController();
  // Every follower listens to it.
  setMaxListeners(0, stop.signal);
  try {
    log(`${count} idle followers of one run (GET /runs/:id/events) on a SQLite store`);
    const held = await request(new URL("/query", server.url), {
      method: "POST",
      dispatcher: agent,
      signal: stop.signal,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: `hold:${HOLD_MS}`, timeout: 3600 }),
    });
    const runId = held.headers["x-run-id"];
    if (held.statusCode !== 200 || typeof runId !== "string") {
      throw new Error(`the held run did not start (${held.statusCode})`);
    }
    let heldText = "";
    const heldBody = (async () => {
      for await (const chunk of held.body) {
        // read, so the run's stream never backs up; its first frames are kept to see it is up
        if (heldText.length < 10_000) heldText += chunk.toString();
      }
    })().catch(() => undefined);
    // init, sandbox_ready, agent_start: the run holds. Once the store's writer has stored them
    // (it runs every few ms), followers replay them.
    if (!(await until(() => (heldText.match(/\nid: /g) ?? []).length >= 3, 60_000, 20))) {
      throw new Error("the held run sent no agent_start within 60 s");
    }
    await sleep(1000);
    const seen = Array.from({ length: count }, () => ({ bytes: 0 }));
    const followers = seen.map((each) => follow(server.url, runId, agent, stop.signal, each));
    const failures = Promise.all(followers);
    const replayed = await Promise.race([
      until(() => seen.every((each) => each.bytes > 0), 120_000, 50),
      failures.then(() => {
        throw new Error("a follower ended before the phase did");
      }),
    ]);
    if (!replayed) throw new Error("not every follower had its replay within 120 s");
    await sleep(1000);
    const cpuBefore = cpuMsOf(server.pid);
    const started = performance.now();
    await sleep(idleMs);
    const elapsedMs = performance.now() - started;
    const idleCpuPercent = ((cpuMsOf(server.pid) - cpuBefore) / elapsedMs) * 100;
    const stats = await server.stats(60_000, true);
    stop.abort();
    await Promise.allSettled([failures, heldBody]);
    return {
      what: `server CPU while ${count} GET /runs/:id/events followers of one held run sit idle (SQLite store, scripted sandbox)`,
      followers: count,
      idleSeconds: round(elapsedMs / 1000, 0),
      idleCpuPercent: round(idleCpuPercent, 1),
      rssMb: round(stats.rss / 1024 / 1024, 1),
    };
  } finally {
    stop.abort();
    await agent.close().catch(() => undefined);
    cleanup.remove(closeServer);
    await server.close();
  }
}
