// /ready and /metrics on a real server after a real run.
import { afterEach, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

it("reports readiness, and counts runs, tokens, cost and sandbox acquisition", async () => {
  t = await startTestServer({
    apiKey: "ops-key",
    turns: [{ text: "counted", usage: { inputTokens: 1000, outputTokens: 100 } }],
  });
  const ready = await fetch(new URL("/ready", t.url));
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: "ready", checks: { store: "ok", sandbox: "ok" } });

  const auth = { authorization: "Bearer ops-key" };
  await readEvents(await postQuery(t.url, { prompt: "count me", model: "haiku" }, auth));
  // A run counts as finished once its sandbox is gone, which follows its stream's end.
  const finished = /sandcaster_runs_finished_total\{status="completed"/;
  let text = "";
  for (let tries = 0; tries < 300 && !finished.test(text); tries++) {
    if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    const metrics = await fetch(new URL("/metrics", t.url), { headers: auth });
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    text = await metrics.text();
  }
  expect(text).toMatch(/sandcaster_runs_started_total\{provider="anthropic",sandbox="local"\} 1/);
  expect(text).toMatch(
    /sandcaster_runs_finished_total\{status="completed",provider="anthropic",sandbox="local"\} 1/,
  );
  expect(text).toMatch(/sandcaster_tokens_total\{kind="input",provider="anthropic"\} 1000/);
  expect(text).toMatch(/sandcaster_cost_usd_total\{provider="anthropic"\} 0\.0015/);
  expect(text).toMatch(/sandcaster_sandbox_acquire_seconds_count\{sandbox="local"\} 1/);
  expect(text).toMatch(/sandcaster_sse_clients 0/);
  // /metrics is behind the key; /ready is not (probes cannot send one)
  expect((await fetch(new URL("/metrics", t.url))).status).toBe(401);
});
