// What node flags cost the server in CPU on ordinary traffic: for each variant, a fresh scripted
// server runs 300 sequential runs, one 100,000-event flood and 500 concurrent runs; its CPU time
// (not wall time, which other load on a shared host moves) is read from /proc. Variants are
// interleaved, the order rotating each round, and the p50 of each is printed.
//   node scripts/bench/flags-cpu.mjs ['{"none":"","semi4":"--max-semi-space-size=4"}'] [rounds=5]
// Run `npm run build` first.
import { connectGate, createAgent, query } from "./client.mjs";
import { cpuMsOf, percentile } from "./lib.mjs";
import { startBenchServer } from "./server-process.mjs";

const variants = JSON.parse(
  process.argv[2] ??
    '{"none":"","semi2":"--max-semi-space-size=2","semi4":"--max-semi-space-size=4"}',
);
const rounds = Number(process.argv[3] ?? 5);

function expectResult(outcome, what) {
  if (outcome.lastType !== "result") throw new Error(`${what} ended with ${outcome.lastType}`);
}

async function ordinaryTraffic(url, agent) {
  for (let i = 0; i < 300; i++)
    expectResult(await query(url, { prompt: "quick" }, { dispatcher: agent }), "sequential run");
  expectResult(await query(url, { prompt: "flood:100000" }, { dispatcher: agent }), "flood");
  const gate = connectGate(256);
  const together = await Promise.all(
    Array.from({ length: 500 }, () =>
      query(url, { prompt: "typical:1000" }, { dispatcher: agent, gate }),
    ),
  );
  for (const outcome of together) expectResult(outcome, "concurrent run");
}

const cpuMs = {};
const names = Object.keys(variants);
for (let round = 0; round < rounds; round++) {
  const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
  for (const name of order) {
    // startBenchServer passes SANDCASTER_BENCH_NODE_OPTIONS to the server it forks.
    process.env.SANDCASTER_BENCH_NODE_OPTIONS = variants[name];
    const server = await startBenchServer({ provider: "scripted" });
    const agent = createAgent(600);
    try {
      for (let i = 0; i < 20; i++)
        expectResult(
          await query(server.url, { prompt: "typical:0" }, { dispatcher: agent }),
          "warm-up",
        );
      const before = cpuMsOf(server.pid);
      await ordinaryTraffic(server.url, agent);
      const used = cpuMsOf(server.pid) - before;
      cpuMs[name] ??= [];
      cpuMs[name].push(used);
      console.log(`round ${round + 1}/${rounds} ${name}: server CPU ${Math.round(used)} ms`);
    } finally {
      await agent.close();
      await server.close();
    }
  }
}
for (const [name, all] of Object.entries(cpuMs)) {
  console.log(`${name}: p50 ${percentile(all, 50)} ms CPU (${all.map(Math.round).join(", ")})`);
}
