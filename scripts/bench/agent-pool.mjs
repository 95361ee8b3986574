// Custom agents on docker: time from POST /agents/:name/invoke to the agent's first stdout byte
// (its first `stdout` event read by the client), cold (no pool: a container created per request)
// vs pooled (the agent's warm pool, let refill between requests as between real ones). One store
// and one template build; two servers on 127.0.0.1 (pool 0 and pool 1) over the same database.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, startServer } from "@sandcaster/api";
import {
  ActiveRuns,
  AgentService,
  createProviderSelector,
  createRunStore,
  dockerImageProviders,
  dockerTemplateBuilder,
  SecretKeyring,
  TemplateService,
} from "@sandcaster/core";
import { SandcasterConfigSchema } from "@sandcaster/protocol";
import Docker from "dockerode";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { pino } from "pino";
import { pack } from "tar-stream";
import { dockerReadiness } from "./docker.mjs";
import { summary, until } from "./lib.mjs";

const RUNS = 8;
const AGENT = "bench-agent";
const CODE = `process.stdin.resume(); process.stdin.on("end", () => process.stdout.write("first\\n"));`;

/** A tar of one file (tar-stream, as core reads it). */
async function tarOf(name, text) {
  const archive = pack();
  archive.entry({ name, mode: 0o644 }, text);
  archive.finalize();
  const chunks = [];
  for await (const chunk of archive) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function firstStdoutMs(url) {
  const started = performance.now();
  const response = await fetch(new URL(`/agents/${AGENT}/invoke`, url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "go" }),
  });
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  let first;
  let end;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const event = JSON.parse(value.data);
    if (event.type === "stdout" && first === undefined) first = performance.now() - started;
    if (event.type === "result" || event.type === "error") end = event;
  }
  if (end?.type !== "result" || first === undefined) {
    throw new Error(`agent invocation failed: ${JSON.stringify(end)}`);
  }
  return first;
}

/** Returns the figure for results.figures, or {skipped}. */
export async function agentPool({ image, labels, cleanup, log }) {
  const ready = await dockerReadiness(image);
  if (!ready.ok) return { skipped: ready.reason };
  const logger = pino({ level: "silent" });
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-bench-agents-"));
  const store = createRunStore({ sqlitePath: join(dir, "runs.db") });
  await store.migrate();
  const docker = new Docker();
  const templates = new TemplateService(dockerTemplateBuilder(docker, { network: "none" }), logger);
  const config = SandcasterConfigSchema.parse({ sandboxProvider: "docker", docker: { image } });
  const providerForImage = dockerImageProviders({ docker, labels });
  const keyring = new SecretKeyring(Buffer.alloc(32, 7));
  const servers = [];
  const removeAll = cleanup.add(async () => {
    for (const s of servers) {
      await s.server.shutdown(2000);
      await s.agents.close();
    }
    await templates.close();
    for (const info of templates.list()) {
      await docker
        .getImage(`sandcaster-template:${info.id}`)
        .remove({ force: true })
        .catch(() => undefined);
    }
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  try {
    for (const size of [0, 1]) {
      const agents = new AgentService({
        templates,
        store: store.agents,
        defaultBase: { docker: image },
        keyring,
        providerForImage,
        config,
        pool: { size, maxAgeSecs: 900, logger },
      });
      const activeRuns = new ActiveRuns();
      const app = createApp({
        services: { store, config, logger },
        providers: createProviderSelector({ docker: providerForImage(image) }, "docker"),
        activeRuns,
        env: { ANTHROPIC_API_KEY: "sk-ant-bench-key" },
        version: "bench",
        templates,
        agents: { service: agents, providerForImage },
      });
      const server = await startServer({ app, host: "127.0.0.1", port: 0, logger, activeRuns });
      servers.push({ size, agents, server });
    }
    const [cold, pooled] = servers;
    log(`agents: deploy once, then ${RUNS} invocations cold and ${RUNS} from the agent's pool`);
    await pooled.agents.deploy(
      { name: AGENT, entrypoint: ["node", "index.js"], limits: {}, secrets: [] },
      await tarOf("index.js", CODE),
    );
    const info = await pooled.agents.settled(AGENT);
    if (info.status !== "active")
      throw new Error(`the bench agent did not build: ${JSON.stringify(info)}`);
    const coldMs = [];
    for (let i = 0; i < RUNS; i++) coldMs.push(await firstStdoutMs(cold.server.url));
    const pooledMs = [];
    for (let i = 0; i < RUNS; i++) {
      // As between requests: the pool has refilled.
      await until(() => (pooled.agents.poolStats(AGENT)?.ready ?? 0) >= 1, 60_000);
      pooledMs.push(await firstStdoutMs(pooled.server.url));
    }
    const stats = pooled.agents.poolStats(AGENT);
    return {
      what: `POST /agents/:name/invoke → the client reads the agent's first stdout event (docker, ${RUNS} sequential requests each)`,
      coldMs: summary(coldMs),
      pooledMs: summary(pooledMs),
      poolHits: stats?.hits ?? 0,
      poolMisses: stats?.misses ?? 0,
    };
  } finally {
    cleanup.remove(removeAll);
    await removeAll();
  }
}
