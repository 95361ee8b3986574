// Local templates through real HTTP on bubblewrap: files, an npm package (a local tarball, offline)
// and setup steps built into an overlay once per spec hash; a query naming the template sees its
// files and tools, and cannot write into it (the overlay is read-only in runs); a failing step is
// named with its exit code and output tail; apt is refused with a 400 naming the field.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  checkBwrap,
  localTemplateBuilder,
  TemplateService,
  templateId,
  templatePools,
  type WarmPool,
} from "@sandcaster/core";
import { SandcasterConfigSchema, type TemplateSpecInput } from "@sandcaster/protocol";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { expectNoLeftovers } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";
import { buildThroughHttp, postTemplate } from "./template-http.js";

const run = promisify(execFile);
const bwrap = await checkBwrap(undefined, process.execPath);
const required = process.env.SANDCASTER_REQUIRE_BWRAP === "1";
if (!bwrap.ok && !required) {
  console.log("bubblewrap missing: local template tests are skipped (apt-get install bubblewrap)");
}

/** A one-file npm package with a bin, packed to a tarball (no registry involved). */
async function greetTarball(dir: string): Promise<string> {
  const pkg = join(dir, "greet");
  await run("mkdir", ["-p", pkg]);
  await writeFile(
    join(pkg, "package.json"),
    JSON.stringify({ name: "sc-greet", version: "1.0.0", bin: { "sc-greet": "greet.js" } }),
  );
  await writeFile(
    join(pkg, "greet.js"),
    "#!/usr/bin/env node\nconsole.log('greetings from npm');\n",
  );
  const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", dir], {
    cwd: pkg,
  });
  return (await readFile(join(dir, stdout.trim()))).toString("base64");
}

describe.skipIf(!bwrap.ok && !required)("templates on local (bubblewrap)", () => {
  let t: TestServer;
  let dir: string;
  let templates: TemplateService;
  let spec: TemplateSpecInput;
  const pools: WarmPool[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sandcaster-local-templates-"));
    const logger = pino({ level: "silent" });
    // A warm pool for the template named "tools": filled as soon as its build is ready.
    const config = SandcasterConfigSchema.parse({
      templatePools: { tools: { size: 1, maxAgeSecs: 600 } },
    });
    templates = new TemplateService(
      {
        local: localTemplateBuilder({
          dir: join(dir, "overlays"),
          provider: { isolation: "bwrap", diskMb: 256, workspacesDir: join(dir, "workspaces") },
          network: "none",
        }),
      },
      logger,
      { wrapProvider: templatePools(config, logger, pools) },
    );
    spec = {
      base: { local: true },
      env: { GREETING: "hello from a local template" },
      files: [
        { path: "/opt/tools/input.txt", content: "made at build time\n" },
        { path: "/opt/tools/sc-greet.tgz", content: await greetTarball(dir), encoding: "base64" },
      ],
      packages: { npm: ["file:/opt/tools/sc-greet.tgz"] },
      setup: ["cat input.txt > made.txt", 'echo "built with $GREETING"'],
      workdir: "/opt/tools",
    };
    t = await startTestServer({
      sandbox: "local",
      localIsolation: "bwrap",
      appDeps: { templates },
      // The template's pool is added when its build is ready: the harness reads the array then.
      extraPools: pools,
      turns: [
        {
          toolCalls: [
            {
              name: "bash",
              input: {
                command:
                  'cat /opt/tools/made.txt; command -v sc-greet; sc-greet; echo "env=$GREETING"; ' +
                  "(echo tampered > /opt/tools/made.txt) 2>/dev/null && echo WROTE-OVERLAY || echo overlay-read-only; " +
                  "(touch /opt/sandcaster-template/bin/evil) 2>/dev/null && echo WROTE-PREFIX || echo prefix-read-only",
              },
            },
          ],
        },
        { text: "done" },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await Promise.all(pools.map((pool) => pool.close()));
    await templates?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("builds once per spec (the second POST is a cache hit) and a query with `template` runs on it", async () => {
    const first = await buildThroughHttp(t.url, { name: "tools", spec });
    expect(first.posted.status).toBe(202);
    expect(first.posted.body).toMatchObject({ provider: "local", status: "building" });
    expect(first.status).toMatchObject({ status: "ready", id: templateId(spec) });
    expect(first.lines).toContain("built with hello from a local template");

    const again = performance.now();
    const second = await postTemplate(t.url, { spec });
    const cachedMs = performance.now() - again;
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: first.posted.body.id, status: "ready" });
    expect(templates.buildsRun).toBe(1);
    // A new server over the same overlays dir finds the build: nothing runs.
    const restarted = new TemplateService(
      {
        local: localTemplateBuilder({
          dir: join(dir, "overlays"),
          provider: { isolation: "bwrap" },
        }),
      },
      pino({ level: "silent" }),
    );
    restarted.ensure(spec);
    expect(await restarted.wait(first.posted.body.id)).toMatchObject({ cached: true });
    expect(restarted.buildsRun).toBe(0);
    console.log(
      `local template build: cold ${first.ms.toFixed(0)} ms, same spec again ${cachedMs.toFixed(1)} ms (cache hit)`,
    );

    const listed = (await (await fetch(new URL("/templates", t.url))).json()) as {
      templates: { id: string; status: string; names: string[] }[];
    };
    expect(listed.templates).toContainEqual(
      expect.objectContaining({ id: first.posted.body.id, status: "ready", names: ["tools"] }),
    );

    // The template's pool has its sandbox ready before the request (a pooled start, measured).
    const pool = pools[0];
    if (!pool) throw new Error("no warm pool for the template");
    while (pool.stats().ready < 1) await new Promise((r) => setTimeout(r, 100));
    const events = await readEvents(await postQuery(t.url, { prompt: "look", template: "tools" }));
    expect(pool.stats()).toMatchObject({ hits: 1, misses: 0 });
    // Told apart from the provider's own pool on /metrics and /ready by its name.
    const metrics = await (await fetch(new URL("/metrics", t.url))).text();
    expect(metrics).toContain(
      'sandcaster_pool_hits_total{sandbox="local",pool="template:tools"} 1',
    );
    expect(metrics).toContain('sandcaster_pool_size{sandbox="local",pool="template:tools"} 1');
    const ready = (await (await fetch(new URL("/ready", t.url))).json()) as {
      checks: Record<string, string>;
    };
    expect(Object.keys(ready.checks)).toContain("pool:local:template:tools");
    const init = events[0]?.data;
    const runId = init?.type === "system" ? (init.runId ?? "") : "";
    const result = events.find((e) => e.data.type === "tool_result")?.data;
    const output = JSON.stringify(result);
    expect(output).toContain("made at build time");
    expect(output).toContain("/opt/sandcaster-template/bin/sc-greet");
    expect(output).toContain("greetings from npm");
    expect(output).toContain("env=hello from a local template");
    // The attack: the agent tries to change the template for later runs, and cannot.
    expect(output).toContain("overlay-read-only");
    expect(output).toContain("prefix-read-only");
    expect(output).not.toContain("WROTE-");
    expect(events.at(-1)?.data.type).toBe("result");
    // Removed after the stream's end: polled for.
    expect(await expectNoLeftovers(runId)).toEqual([]);
    const overlay = join(dir, "overlays", first.posted.body.id, "root", "opt", "tools", "made.txt");
    expect(await readFile(overlay, "utf8")).toBe("made at build time\n");
  }, 240_000);

  it("names the failing step, its exit code and output tail, and leaves no staging overlay", async () => {
    const failing = { ...spec, setup: ["echo step one ok", "echo about to fail >&2; exit 7"] };
    const { status } = await buildThroughHttp(t.url, { spec: failing });
    expect(status.status).toBe("failed");
    expect(status.failure).toMatchObject({
      step: "setup[1]: echo about to fail >&2; exit 7",
      exitCode: 7,
      outputTail: expect.stringContaining("about to fail"),
    });
    const left = (await readdir(join(dir, "overlays"))).filter((n) => n.startsWith(".building"));
    expect(left).toEqual([]);
  }, 240_000);

  it("refuses apt, paths outside /opt, and a query naming an unknown template, naming the field", async () => {
    const apt = await postTemplate(t.url, { spec: { ...spec, packages: { apt: ["vim"] } } });
    expect(apt.status).toBe(400);
    expect(apt.body.details?.[0]?.field).toBe("spec.packages.apt");
    const outside = await postTemplate(t.url, {
      spec: { ...spec, files: [{ path: "/etc/evil", content: "x" }] },
    });
    expect(outside.status).toBe(400);
    expect(outside.body.details?.[0]?.field).toBe("spec.files[0].path");
    const docker = await postTemplate(t.url, { spec: { ...spec, base: { docker: "x:1" } } });
    expect(docker.status).toBe(400);
    expect(docker.body.details?.[0]?.field).toBe("spec.base");
    const unknown = await postQuery(t.url, { prompt: "x", template: "no-such-template" });
    expect(unknown.status).toBe(400);
    const body = (await unknown.json()) as { details?: { field: string }[] };
    expect(body.details?.[0]?.field).toBe("template");
  }, 60_000);
});
