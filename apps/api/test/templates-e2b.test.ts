// E2B templates through real HTTP against the E2B double, driven by the real e2b SDK's template
// build API: a spec builds once (the second POST and a restarted server find it: cache hits), a
// query naming the template runs in a sandbox made from it, and a failing step is reported with
// its name, exit code and output tail.
import { e2bTemplateBuilder, e2bTemplateName, TemplateService, templateId } from "@sandcaster/core";
import { type E2BDouble, startE2BDouble } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";
import { buildThroughHttp, postTemplate } from "./template-http.js";

const spec = {
  base: { e2b: "base" },
  env: { GREETING: "hello from an e2b template" },
  files: [{ path: "/opt/tools/input.txt", content: "made at build time\n" }],
  setup: ["cat input.txt > made.txt", 'echo "built with $GREETING"'],
  workdir: "/opt/tools",
};

// The E2B double runs commands only under bubblewrap.
describe.runIf(hasService("bwrap"))("templates on e2b (the E2B double)", () => {
  let t: TestServer;
  let double: E2BDouble;
  let templates: TemplateService;
  const builder = () =>
    e2bTemplateBuilder({
      provider: { apiKey: double.apiKey, apiUrl: double.apiUrl, sandboxUrl: double.sandboxUrl },
      pollMs: 100,
    });

  beforeAll(async () => {
    double = await startE2BDouble();
    templates = new TemplateService({ e2b: builder() }, pino({ level: "silent" }));
    t = await startTestServer({
      sandbox: "e2b",
      e2b: double,
      appDeps: { templates },
      turns: [
        {
          toolCalls: [
            {
              name: "bash",
              input: { command: 'cat /opt/tools/made.txt; echo "env=$GREETING"' },
            },
          ],
        },
        { text: "done" },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await templates?.close();
    await double?.close();
  });

  it("builds once through the template build API; a query with `template` runs on it", async () => {
    const first = await buildThroughHttp(t.url, { name: "e2b-tools", spec });
    expect(first.posted.status).toBe(202);
    expect(first.status).toMatchObject({
      status: "ready",
      provider: "e2b",
      image: e2bTemplateName(templateId(spec)),
    });
    expect(first.lines).toContain("built with hello from an e2b template");

    const again = performance.now();
    const second = await postTemplate(t.url, { spec });
    const cachedMs = performance.now() - again;
    expect(second.status).toBe(200);
    // A restarted server asks E2B whether the name exists: it does, nothing is built.
    const restarted = new TemplateService({ e2b: builder() }, pino({ level: "silent" }));
    const restartStarted = performance.now();
    restarted.ensure(spec);
    expect(await restarted.wait(first.posted.body.id)).toMatchObject({ cached: true });
    const restartMs = performance.now() - restartStarted;
    expect(double.templateBuilds()).toBe(1);
    console.log(
      `e2b template build: cold ${first.ms.toFixed(0)} ms, same spec again ${cachedMs.toFixed(1)} ms, after a restart ${restartMs.toFixed(0)} ms (cache hits)`,
    );

    const events = await readEvents(
      await postQuery(t.url, { prompt: "look", template: "e2b-tools" }),
    );
    const output = JSON.stringify(events.find((e) => e.data.type === "tool_result")?.data);
    expect(output).toContain("made at build time");
    expect(output).toContain("env=hello from an e2b template");
    expect(events.at(-1)?.data.type).toBe("result");
    const deadline = Date.now() + 10_000;
    while (double.alive().length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(double.alive()).toEqual([]);
  }, 180_000);

  it("names the failing step, its exit code and output tail", async () => {
    const failing = { ...spec, setup: ["echo step one ok", "echo about to fail >&2; exit 7"] };
    const { status } = await buildThroughHttp(t.url, { spec: failing });
    expect(status.status).toBe("failed");
    expect(status.failure).toMatchObject({
      step: "setup[1]: echo about to fail >&2; exit 7",
      exitCode: 7,
      outputTail: expect.stringContaining("about to fail"),
    });
    // A template that never got ready cannot be used by a query: 400 naming the field.
    const refused = await postQuery(t.url, { prompt: "x", template: status.id });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { details: { field: string }[] }).details[0]?.field).toBe(
      "template",
    );
  }, 180_000);
});
