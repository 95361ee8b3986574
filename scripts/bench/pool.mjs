// The warm-pool benchmark of one provider (local or docker):
//   1. sandbox acquire: WarmPool.acquire() from a full pool vs. provider.create() (cold)
//   2. the scripted two-turn run (a bash tool call, then an answer) through the server, end to
//      end, without and with a pool (the pool is let refill between runs, as between requests)
//   3. a burst of 3 × the pool size at once: every run must succeed (hits + cold misses)
// Everything it starts is closed; containers carry the bench's labels.
import {
  createDockerProvider,
  createLocalProvider,
  sandboxLimits,
  WarmPool,
} from "@sandcaster/core";
import { SandcasterConfigSchema } from "@sandcaster/protocol";
import { startAnthropicDouble } from "@sandcaster/testkit";
import { pino } from "pino";
import { epochNow, stampingProxy } from "./boot.mjs";
import { createAgent, query } from "./client.mjs";
import { bridgeGateway, dockerReadiness } from "./docker.mjs";
import { percentile, round, summary, until } from "./lib.mjs";
import { startBenchServer } from "./server-process.mjs";

const ACQUIRES = 20;
const RUNS = 10;
const POOL_SIZE = 3;
const TWO_TURNS = [
  {
    text: "Writing it.",
    toolCalls: [{ name: "bash", input: { command: "echo pooled > out.txt && cat out.txt" } }],
    usage: { inputTokens: 50, outputTokens: 5 },
  },
  { text: "done", usage: { inputTokens: 60, outputTokens: 2 } },
];

/** Returns the figure for results.figures, or {skipped}. */
export async function warmPool({ kind, image, labels, cleanup, log }) {
  const docker = kind === "docker" ? await dockerReadiness(image) : undefined;
  if (docker && !docker.ok) return { skipped: docker.reason };
  const config = SandcasterConfigSchema.parse({ docker: { image } });
  const limits = sandboxLimits(config.docker);
  const provider =
    kind === "docker"
      ? createDockerProvider({ image, labels })
      : createLocalProvider({ isolation: "auto" });

  log(`warm pool on ${kind}: ${ACQUIRES} acquires from a pool of ${POOL_SIZE} vs cold creates`);
  const acquire = await acquireTimes(provider, limits);

  const host = docker?.ok ? await bridgeGateway(docker.docker) : "127.0.0.1";
  const double = await startAnthropicDouble({
    host,
    turns: Array.from({ length: 2 * (2 * RUNS + 3 * POOL_SIZE + 4) }, (_, i) => TWO_TURNS[i % 2]),
  });
  // Stamps when each model request arrives: POST /query → the runner's first model request.
  const proxy = await stampingProxy(double.url, host);
  const closeDouble = cleanup.add(() => Promise.all([proxy.close(), double.close()]));
  try {
    log(`warm pool on ${kind}: ${RUNS} two-turn runs through the server without, then with a pool`);
    const cold = await serverRuns({ kind, image, labels, proxy, cleanup });
    const warm = await serverRuns({ kind, image, labels, proxy, pool: true, cleanup });
    return {
      what: `sandbox acquire from a full warm pool (size ${POOL_SIZE}; includes the health check) vs provider.create(); the scripted two-turn run (bash tool call, then an answer) through POST /query without and with the pool; a burst of ${3 * POOL_SIZE} runs at once on a pool of ${POOL_SIZE}; ms`,
      acquireWarmMs: summary(acquire.warm),
      acquireColdMs: summary(acquire.cold),
      twoTurnRunColdMs: summary(cold.runs),
      twoTurnRunWarmMs: summary(warm.runs),
      firstModelRequestColdMs: summary(cold.firstRequests),
      firstModelRequestWarmMs: summary(warm.firstRequests),
      savedP50Ms: round(percentile(cold.runs, 50) - percentile(warm.runs, 50)),
      burst: warm.burst,
    };
  } finally {
    cleanup.remove(closeDouble);
    await proxy.close();
    await double.close();
  }
}

async function acquireTimes(provider, limits) {
  const pool = new WarmPool(provider, {
    size: POOL_SIZE,
    maxAgeSecs: 600,
    limits,
    logger: pino({ level: "silent" }),
  });
  const options = () => ({
    runId: `bench-${Math.random().toString(36).slice(2)}`,
    env: {},
    limits: { ...limits, timeoutMs: 60_000 },
    signal: new AbortController().signal,
  });
  const warm = [];
  const cold = [];
  try {
    for (let i = 0; i < ACQUIRES; i++) {
      if (!(await until(() => pool.stats().ready === POOL_SIZE, 60_000))) {
        throw new Error(`the ${provider.name} pool did not fill within 60 s`);
      }
      let started = performance.now();
      const pooled = await pool.acquire(options());
      warm.push(performance.now() - started);
      started = performance.now();
      const fresh = await provider.create(options());
      cold.push(performance.now() - started);
      await Promise.all([pooled.destroy(), fresh.destroy()]);
    }
    if (pool.stats().hits !== ACQUIRES) throw new Error(`expected ${ACQUIRES} pool hits`);
  } finally {
    await pool.close();
  }
  return { warm, cold };
}

async function serverRuns({ kind, image, labels, proxy, cleanup, pool = false }) {
  const server = await startBenchServer({
    provider: kind,
    modelUrl: proxy.url,
    image,
    labels,
    ...(pool ? { pool: { size: POOL_SIZE } } : {}),
  });
  const closeServer = cleanup.add(() => server.close());
  const agent = createAgent(4 * POOL_SIZE);
  // Full means every pooled runner has also warmed up (loaded its SDKs, rehearsed its first
  // request): a run then measures the pool's steady state, not a runner still booting.
  const full = async () => {
    const filled = await until(async () => {
      const stats = await server.stats();
      return !stats.pool || stats.pool.warm === POOL_SIZE;
    }, 60_000);
    if (!filled) throw new Error(`the ${kind} pool of the server did not fill within 60 s`);
  };
  const run = async () => {
    const outcome = await query(
      server.url,
      { prompt: "write out.txt", model: "claude-haiku-4-5", timeout: 60 },
      { dispatcher: agent },
    );
    if (outcome.status !== 200 || outcome.lastType !== "result") {
      const why = outcome.lastData?.code ?? outcome.error ?? "";
      throw new Error(
        `a ${kind} run did not end with a result (${outcome.status}, ${outcome.lastType} ${why})`.trim(),
      );
    }
    return outcome.endMs;
  };
  try {
    const runs = [];
    const firstRequests = [];
    await run(); // warm-up (the runner bundle is read once)
    for (let i = 0; i < RUNS; i++) {
      await full();
      const sent = epochNow();
      runs.push(await run());
      firstRequests.push(proxy.firstAfter(sent) - sent);
    }
    let burst;
    if (pool) {
      await full();
      const before = (await server.stats()).pool;
      // A run that fails in the burst is counted, not thrown: the other figures stay.
      const settled = await Promise.allSettled(Array.from({ length: 3 * POOL_SIZE }, run));
      const ends = settled.filter((s) => s.status === "fulfilled").map((s) => s.value);
      const after = (await server.stats()).pool;
      burst = {
        runs: settled.length,
        allSucceeded: ends.length === settled.length,
        failed: settled.length - ends.length,
        // Why (e.g. TIMEOUT on a loaded host: the runs ask for 60 s).
        failures: settled
          .filter((s) => s.status === "rejected")
          .map((s) => String(s.reason?.message)),
        hits: after.hits - before.hits,
        misses: after.misses - before.misses,
        endMs: summary(ends),
      };
    }
    return { runs, firstRequests, burst };
  } finally {
    await agent.close();
    cleanup.remove(closeServer);
    await server.close();
  }
}
