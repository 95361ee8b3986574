// Deleting an agent removes what its versions' templates built (docker images, local overlays)
// when no other agent's version uses them, and keeps the one another agent still runs from (equal
// code and base: one template). What a sandbox still runs from stays until that sandbox has ended.
// Real HTTP, real builds; each sandbox kind is skipped without its service.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { Sandbox, SandboxProvider } from "@sandcaster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, invokeWait } from "./agent-requests.js";
import {
  type AgentSandbox,
  type AgentServer,
  agentCases,
  deployFiles,
  startAgentServer,
} from "./agent-server.js";
import { docker } from "./template-fixture.js";

const code = (word: string) => ({ "index.js": `process.stdout.write("${word}\\n");\n` });
/**
 * Answers once the test creates `go` in its workspace (a local sandbox's processes each have a
 * /tmp of their own): an invocation held while we look.
 */
const HELD = {
  "index.js": `
const { existsSync } = require("node:fs");
process.stdout.write("waiting\\n");
const timer = setInterval(() => {
  if (existsSync(process.env.SANDCASTER_WORKSPACE + "/go")) { clearInterval(timer); process.stdout.write("went\\n"); }
}, 50);
`,
};

/** Whether the template's build is still on this host. */
function built(sandbox: AgentSandbox, server: AgentServer, templateId: string): Promise<boolean> {
  if (sandbox === "docker") {
    return docker
      .getImage(`sandcaster-template:${templateId}`)
      .inspect()
      .then(
        () => true,
        () => false,
      );
  }
  return stat(join(server.dir, "overlays", templateId, "root")).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(await agentCases())("deleting an agent on $sandbox", ({ sandbox, enabled }) => {
  let server: AgentServer | undefined;
  /** Every sandbox made from an agent's template, to reach into the held one. */
  const made: Sandbox[] = [];
  const wrapProvider = (provider: SandboxProvider): SandboxProvider => ({
    ...provider,
    async create(options) {
      const created = await provider.create(options);
      made.push(created);
      return created;
    },
  });
  beforeAll(async () => {
    if (enabled) server = await startAgentServer(sandbox, { wrapProvider });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  }, 120_000);
  const versions = async (name: string) =>
    (await server?.fixture.store.agents?.get(name))?.versions.map((v) => v.templateId) ?? [];

  it.runIf(enabled)(
    "removes the builds only it used and keeps the one another agent shares",
    async () => {
      const s = server as AgentServer;
      const exists = (id: string | undefined) => built(sandbox, s, String(id));
      await deployFiles(s, "alpha", code("same"));
      await deployFiles(s, "beta", code("same"));
      await deployFiles(s, "alpha", code("own"));
      const [shared, own] = await versions("alpha");
      expect(await versions("beta")).toEqual([shared]);
      expect(own).not.toBe(shared);
      expect([await exists(shared), await exists(own)]).toEqual([true, true]);

      expect((await call(s.t.url, "DELETE", "/agents/alpha")).status).toBe(204);
      expect(await exists(own)).toBe(false);
      expect(await exists(shared)).toBe(true);
      expect((await invokeWait(s.t.url, "beta", { prompt: "x" })).output).toBe("same\n");

      // beta's sandbox may still be on its way out (removed after the answer): the server tries
      // again until it is gone.
      expect((await call(s.t.url, "DELETE", "/agents/beta")).status).toBe(204);
      await until("the shared build to be removed", async () => !(await exists(shared)));

      // Deployed again, its template is built anew (the server forgot the one it removed).
      await deployFiles(s, "alpha", code("own"));
      expect(await exists(own)).toBe(true);
      expect((await invokeWait(s.t.url, "alpha", { prompt: "x" })).output).toBe("own\n");
      expect((await call(s.t.url, "DELETE", "/agents/alpha")).status).toBe(204);
      await until("alpha's build to be removed", async () => !(await exists(own)));
    },
    300_000,
  );

  it.runIf(enabled)(
    "keeps the build an invocation still runs from until it has answered",
    async () => {
      const s = server as AgentServer;
      await deployFiles(s, "held", HELD);
      const [templateId] = await versions("held");
      const response = await call(s.t.url, "POST", "/agents/held/invoke", { prompt: "x" });
      expect(response.status).toBe(200);
      const reader = (response.body as ReadableStream<Uint8Array>)
        .pipeThrough(new TextDecoderStream())
        .getReader();
      let seen = "";
      while (!seen.includes("waiting")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the invocation ended before it waited:\n${seen}`);
        seen += value;
      }
      expect((await call(s.t.url, "DELETE", "/agents/held")).status).toBe(204);
      // Its sandbox runs from the build: it stays, and the invocation goes on on it.
      expect(await built(sandbox, s, String(templateId))).toBe(true);
      const held = made.at(-1) as Sandbox;
      const touch = await held.spawn({
        command: ["touch", "go"],
        env: {},
        cwd: held.workspacePath,
        signal: AbortSignal.timeout(60_000),
      });
      expect((await touch.wait()).exitCode).toBe(0);
      while (!seen.includes("went")) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += value;
      }
      expect(seen).toContain("went");
      await until(
        "the held build to be removed",
        async () => !(await built(sandbox, s, String(templateId))),
      );
    },
    300_000,
  );
});
