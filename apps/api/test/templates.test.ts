// Templates on docker through real HTTP: a spec builds once per hash (the same spec again, in
// another key order, is a cache hit, measured), the build log streams over SSE, and a failing
// setup step is named with its exit code and output tail. Every image built is removed.
import { dockerTemplateBuilder, TemplateService, templateId } from "@sandcaster/core";
import type { TemplateInfo } from "@sandcaster/protocol";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, TEST_IMAGE, type TestServer } from "./harness.js";
import { shouldRunDocker } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";
import {
  buildContainersLeft,
  docker,
  removeTemplateImages,
  type TemplateFixture,
  templateFixture,
} from "./template-fixture.js";
import { buildLog, postTemplate } from "./template-http.js";

const enabled = await shouldRunDocker();

const spec = {
  base: { docker: TEST_IMAGE },
  env: { GREETING: "hello from the template" },
  files: [{ path: "/opt/template/input.txt", content: "made at build time\n" }],
  setup: ["cat input.txt > made.txt", 'echo "built with $GREETING"'],
  workdir: "/opt/template",
};
/** The same spec: other key order, defaults spelled out. */
const sameSpec = {
  workdir: "/opt/template",
  setup: ["cat input.txt > made.txt", 'echo "built with $GREETING"'],
  packages: { apt: [], npm: [], pip: [] },
  files: [{ content: "made at build time\n", mode: 0o644, path: "/opt/template/input.txt" }],
  env: { GREETING: "hello from the template" },
  base: { docker: TEST_IMAGE },
};

describe.skipIf(!enabled)("templates on docker", () => {
  let t: TestServer;
  let fixture: TemplateFixture;

  beforeAll(async () => {
    fixture = templateFixture({ agentBase: TEST_IMAGE });
    t = await startTestServer({
      sandbox: "docker",
      appDeps: fixture.appDeps,
      turns: [
        {
          toolCalls: [
            {
              name: "bash",
              input: {
                command:
                  'cat /opt/template/made.txt; echo "env=$GREETING"; ' +
                  "(echo x > /opt/template/made.txt) 2>/dev/null && echo WROTE || echo not-writable",
              },
            },
          ],
        },
        { text: "done" },
      ],
    });
  });
  afterAll(async () => {
    await t?.close();
    await fixture?.close();
  });

  it("builds a spec once: the same spec again is a cache hit, here and after a restart", async () => {
    const started = performance.now();
    const first = await postTemplate(t.url, { name: "greeter", spec });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: "building", names: ["greeter"], cached: false });
    expect(first.body.id).toBe(templateId(spec));
    const { lines, status } = await buildLog(t.url, first.body.id);
    const coldMs = performance.now() - started;
    expect(status).toMatchObject({
      status: "ready",
      image: `sandcaster-template:${first.body.id}`,
    });
    expect(lines).toContain("built with hello from the template");

    const again = performance.now();
    const second = await postTemplate(t.url, { spec: sameSpec });
    const cachedMs = performance.now() - again;
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: first.body.id, status: "ready" });
    expect(fixture.templates.buildsRun).toBe(1);

    // A new server process finds the image on the daemon: nothing runs.
    const restarted = new TemplateService(
      dockerTemplateBuilder(docker, { network: "none" }),
      pino({ level: "silent" }),
    );
    const restartStarted = performance.now();
    restarted.ensure(sameSpec);
    const info = await restarted.wait(first.body.id);
    const restartMs = performance.now() - restartStarted;
    expect(info).toMatchObject({ status: "ready", cached: true });
    expect(restarted.buildsRun).toBe(0);
    console.log(
      `template build: cold ${coldMs.toFixed(0)} ms, same spec again ${cachedMs.toFixed(1)} ms, after a restart ${restartMs.toFixed(0)} ms (cache hit)`,
    );

    // What the setup made is in the image, with the template's env and workdir.
    const image = docker.getImage(`sandcaster-template:${first.body.id}`);
    const config = (await image.inspect()).Config;
    expect(config.WorkingDir).toBe("/opt/template");
    expect(config.Env).toContain("GREETING=hello from the template");
    expect(config.User).toBe("1000:1000");

    const listed = (await (await fetch(new URL("/templates", t.url))).json()) as {
      templates: TemplateInfo[];
    };
    expect(listed.templates).toEqual([
      expect.objectContaining({ id: first.body.id, names: ["greeter"], provider: "docker" }),
    ]);

    // A query naming the template runs in a container of its image: the file made at build time,
    // the template's env; the sandbox user (1000) cannot change what root built.
    const events = await readEvents(
      await postQuery(t.url, { prompt: "look", template: "greeter" }),
    );
    expect(events[0]?.data).toMatchObject({ type: "system", sandboxProvider: "docker" });
    const output = JSON.stringify(events.find((e) => e.data.type === "tool_result")?.data);
    expect(output).toContain("made at build time");
    expect(output).toContain("env=hello from the template");
    expect(output).toContain("not-writable");
    expect(events.at(-1)?.data.type).toBe("result");
  }, 180_000);

  it("names the failing step, its exit code and its output tail; leaves no build container", async () => {
    const failing = { ...spec, setup: ["echo step one ok", "echo about to fail >&2; exit 7"] };
    const posted = await postTemplate(t.url, { spec: failing });
    const { status } = await buildLog(t.url, posted.body.id);
    expect(status.status).toBe("failed");
    expect(status.failure).toMatchObject({
      step: "setup[1]: echo about to fail >&2; exit 7",
      exitCode: 7,
      outputTail: expect.stringContaining("about to fail"),
    });
    expect(await buildContainersLeft()).toEqual([]);
    await removeTemplateImages([posted.body.id]);
  }, 180_000);

  it("refuses a bad spec with 400 naming the field, and a missing base image clearly", async () => {
    const bad = await postTemplate(t.url, { spec: { ...spec, workdir: "relative/dir" } });
    expect(bad.status).toBe(400);
    expect(bad.body.details?.[0]?.field).toContain("workdir");
    const option = await postTemplate(t.url, { spec: { ...spec, packages: { apt: ["--evil"] } } });
    expect(option.status).toBe(400);
    const missing = await postTemplate(t.url, {
      spec: { ...spec, base: { docker: "sandcaster-no-such-image:none" } },
    });
    const { status } = await buildLog(t.url, missing.body.id);
    expect(status.failure).toMatchObject({ step: "base", exitCode: null });
    expect(status.failure?.message).toContain("no registry pull");
  }, 60_000);
});
