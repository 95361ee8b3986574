// Thousands of generated bodies against /query and /webhooks/e2b: never a 5xx, never a crash, memory flat.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ActiveRuns,
  createProviderSelector,
  createSqliteRunStore,
  SandboxError,
  type SandboxProvider,
} from "@sandcaster/core";
import { SandcasterConfigSchema } from "@sandcaster/protocol";
import fc from "fast-check";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { type RunningServer, startServer } from "../src/server.js";

/** Valid bodies start runs: this provider refuses at once, so the fuzz stays about input handling. */
const refusing: SandboxProvider = {
  name: "local",
  isAvailable: async () => true,
  create: async () => {
    throw new SandboxError("SANDBOX_UNAVAILABLE", "fuzzing: no sandboxes");
  },
};

let server: RunningServer;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sandcaster-fuzz-"));
  const store = createSqliteRunStore({ path: join(dir, "runs.db") });
  await store.migrate();
  const logger = pino({ level: "silent" });
  const config = SandcasterConfigSchema.parse({
    limits: { bodyLimitBytes: 256 * 1024, maxConcurrentRuns: 100 },
  });
  const activeRuns = new ActiveRuns();
  const app = createApp({
    services: { store, config, logger },
    providers: createProviderSelector({ local: refusing }, "local"),
    activeRuns,
    env: { ANTHROPIC_API_KEY: "sk-ant-fuzz" },
    version: "fuzz",
    e2bWebhookSecret: "fuzz-secret",
  });
  server = await startServer({ app, host: "127.0.0.1", port: 0, logger, activeRuns });
});
afterAll(async () => {
  await server.shutdown(1000);
  await rm(dir, { recursive: true, force: true });
});

const FIELDS = [
  "prompt",
  "apiKeys",
  "model",
  "maxTurns",
  "timeout",
  "files",
  "allowedTools",
  "provider",
  "thinkingLevel",
  "sandboxProvider",
  "systemPrompt",
  "outputFormat",
  "composite",
  "metadata",
  "onDisconnect",
];

/** Bodies near the schema: known field names with values of any shape, plus junk keys. */
const nearValid = fc.dictionary(
  fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 12 })),
  fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string(), fc.integer(), fc.constant(null)),
  { maxKeys: 8 },
);

const bodies = fc.oneof(
  nearValid.map((v) => JSON.stringify(v)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString("latin1")),
  fc
    .record({
      prompt: fc.string({ minLength: 1, maxLength: 50 }),
      files: fc.dictionary(fc.string(), fc.string(), { maxKeys: 5 }),
    })
    .map((v) => JSON.stringify(v)),
);

const contentTypes = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "",
  "application/x-www-form-urlencoded",
);

async function drain(response: Response): Promise<void> {
  await response.arrayBuffer();
}

it("POST /query: 2,000 generated bodies, no 5xx, memory stable", async () => {
  const statuses = new Map<number, number>();
  global.gc?.();
  const before = process.memoryUsage().rss;
  await fc.assert(
    fc.asyncProperty(bodies, contentTypes, async (body, type) => {
      const response = await fetch(new URL("/query", server.url), {
        method: "POST",
        headers: type ? { "content-type": type } : {},
        body,
      });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      await drain(response);
      return response.status < 500;
    }),
    { numRuns: 2000 },
  );
  const grown = (process.memoryUsage().rss - before) / 1024 / 1024;
  console.log(
    `/query fuzz statuses ${JSON.stringify(Object.fromEntries(statuses))}, rss +${grown.toFixed(1)} MB`,
  );
  expect(grown).toBeLessThan(200);
  expect((await fetch(new URL("/health", server.url))).status).toBe(200);
}, 120_000);

it("POST /webhooks/e2b: 1,000 generated deliveries, no 5xx", async () => {
  const headers = fc.record({
    "e2b-signature": fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.base64String({ minLength: 43, maxLength: 44 }),
    ),
    "e2b-signature-version": fc.constantFrom("v1", "v2", "", "V1"),
  });
  await fc.assert(
    fc.asyncProperty(bodies, headers, async (body, given) => {
      const response = await fetch(new URL("/webhooks/e2b", server.url), {
        method: "POST",
        headers: given,
        body,
      });
      await drain(response);
      return response.status < 500 && [400, 401].includes(response.status);
    }),
    { numRuns: 1000 },
  );
}, 120_000);
