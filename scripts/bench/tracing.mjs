// Bench phase `tracing`: what traces add to a run on the server. Three servers with the same
// scripted run (~20 events, one tool call): two with traces off (the SDK not even loaded; the second
// one measures how far two identical servers differ on this machine) and one exporting every span
// over OTLP/HTTP to a receiver in its own process. Queried in rotation, so load on the machine falls
// on all alike. Reported: p50 per server, the added p50 and the off/off noise floor, and server CPU
// per run (the steadiest figure on a shared machine).
import { fork } from "node:child_process";
import { createAgent, query } from "./client.mjs";
import { cpuMsOf, percentile, round, summary, withTimeout } from "./lib.mjs";
import { startBenchServer } from "./server-process.mjs";

const RECEIVER = new URL("./otlp-receiver-process.mjs", import.meta.url);

async function startReceiver() {
  const child = fork(RECEIVER, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const next = (type) =>
    new Promise((resolve) => {
      const on = (message) => {
        if (message?.type !== type) return;
        child.off("message", on);
        resolve(message);
      };
      child.on("message", on);
    });
  const { url } = await withTimeout(next("ready"), 30_000, "OTLP receiver start");
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    url,
    async count(name) {
      child.send({ type: "count", name });
      return withTimeout(next("count"), 10_000, "OTLP receiver count");
    },
    async close() {
      if (child.exitCode !== null) return;
      child.send({ type: "close" });
      await withTimeout(exited, 10_000, "OTLP receiver close").catch(() => child.kill("SIGKILL"));
    },
  };
}

/** `runs` rounds of one query to each server; `expectOk(outcome, what)` throws on a failed run. */
export async function tracingOverhead({ runs, warmups, cleanup, log, expectOk }) {
  const receiver = await startReceiver();
  const receiverStep = cleanup.add(() => receiver.close());
  const servers = [];
  const serverSteps = [];
  for (const [name, env] of [
    ["off", {}],
    ["off2", {}],
    ["on", { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }],
  ]) {
    const server = await startBenchServer({ provider: "scripted", env });
    servers.push({ name, server, ms: [], cpuMs: 0 });
    serverSteps.push(cleanup.add(() => server.close()));
  }
  const agent = createAgent(6);
  try {
    const prompt = { prompt: "typical:0" };
    for (let i = 0; i < warmups; i++) {
      for (const { name, server } of servers)
        expectOk(await query(server.url, prompt, { dispatcher: agent }), `warm-up (${name})`);
    }
    log(`tracing off / off / on: ${runs} runs each, in rotation, scripted sandbox`);
    for (let i = 0; i < runs; i++) {
      // Rotate who goes first, so none always runs right after another's export.
      for (let k = 0; k < servers.length; k++) {
        const entry = servers[(i + k) % servers.length];
        const cpuBefore = cpuMsOf(entry.server.pid);
        const outcome = await query(entry.server.url, prompt, { dispatcher: agent });
        expectOk(outcome, `run (${entry.name})`);
        entry.cpuMs += cpuMsOf(entry.server.pid) - cpuBefore;
        entry.ms.push(outcome.endMs);
      }
    }
    const [off, off2, on] = servers;
    // Spans are batched: the last ones leave the server within the export delay (5 s by default).
    let received = { n: 0, total: 0, rejected: 0 };
    for (let wait = 0; wait < 40 && received.n < runs + warmups; wait++) {
      received = await receiver.count("invoke_agent");
      if (received.n < runs + warmups) await new Promise((r) => setTimeout(r, 250));
    }
    const p50 = (entry) => percentile(entry.ms, 50);
    return {
      what: "a scripted run of ~20 events with one tool call, end to end at the client, through servers with traces off, off, and on (OTLP/HTTP JSON to a receiver in another process); ms. serverCpuMsPerRun: the server process's CPU time per run",
      offMs: summary(off.ms),
      off2Ms: summary(off2.ms),
      onMs: summary(on.ms),
      addedP50Ms: round(p50(on) - p50(off)),
      addedP50VsOff2Ms: round(p50(on) - p50(off2)),
      noiseP50Ms: round(p50(off2) - p50(off)),
      pairedDifferenceP50Ms: round(
        percentile(
          on.ms.map((ms, i) => ms - off.ms[i]),
          50,
        ),
      ),
      serverCpuMsPerRun: {
        off: round(off.cpuMs / runs),
        off2: round(off2.cpuMs / runs),
        on: round(on.cpuMs / runs),
      },
      runSpansReceived: received.n,
      spansReceived: received.total,
      exportsRejected: received.rejected,
    };
  } finally {
    await agent.close();
    for (const step of serverSteps.reverse()) {
      cleanup.remove(step);
      await step();
    }
    cleanup.remove(receiverStep);
    await receiver.close();
  }
}
