// A real Sandcaster server (SQLite store, local bubblewrap sandbox) driven by a scripted Anthropic model.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, createMetrics, type RunningServer, startServer } from "@sandcaster/api";
import {
  ActiveRuns,
  createLocalProvider,
  createProviderSelector,
  createRunStore,
  createSessionService,
  type RunStore,
} from "@sandcaster/core";
import { type SandcasterConfigInput, SandcasterConfigSchema } from "@sandcaster/protocol";
import { type ModelDouble, type ScriptedTurn, startAnthropicDouble } from "@sandcaster/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";

export interface TestServer {
  url: string;
  double: ModelDouble;
  store: RunStore;
  server: RunningServer;
  close(): Promise<void>;
}

export interface TestServerOptions {
  turns: ScriptedTurn[];
  apiKey?: string;
  config?: SandcasterConfigInput;
  /** SSE heartbeat interval (default 15 s). */
  heartbeatMs?: number;
  /** More app deps, made from the server's store (custom agents keep theirs there). */
  appDeps?: (store: RunStore) => Partial<Parameters<typeof createApp>[0]>;
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-sdk-test-"));
  const double = await startAnthropicDouble({ turns: options.turns, host: "127.0.0.1" });
  const store = createRunStore({ sqlitePath: join(dir, "runs.db") });
  await store.migrate();
  const config = SandcasterConfigSchema.parse({ sandboxProvider: "local", ...options.config });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const providers = createProviderSelector(
    // Session workspaces live in the server's temp dir, so close() removes them with it.
    {
      local: createLocalProvider({
        isolation: "auto",
        logger,
        workspacesDir: join(dir, "workspaces"),
      }),
    },
    { configured: "local" },
  );
  const activeRuns = new ActiveRuns();
  const sessions = createSessionService({
    store,
    providers,
    host: { instanceId: "sdk-test", advertisedUrl: undefined },
    logger,
  });
  const app = createApp({
    sessions,
    metrics: createMetrics({ registry: new Registry(), defaultMetrics: false }),
    services: { store, config, logger },
    providers,
    activeRuns,
    env: { ANTHROPIC_API_KEY: "sk-ant-test-secret-key", ANTHROPIC_BASE_URL: double.url },
    version: "test",
    apiKey: options.apiKey,
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...options.appDeps?.(store),
  });
  const server = await startServer({ app, host: "127.0.0.1", port: 0, logger, activeRuns });
  return {
    url: server.url,
    double,
    store,
    server,
    async close() {
      await server.shutdown(1000);
      await double.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  withinMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Two turns: a bash call that takes a moment (room to cut the stream), then the answer. */
export const SLOW_TWO_TURNS: ScriptedTurn[] = [
  {
    text: "Working on it.",
    toolCalls: [{ name: "bash", input: { command: "sleep 1.5; echo step done" } }],
  },
  { text: "Finished.", delayMs: 300 },
];

/** A run that waits until it is cancelled. */
export const HANGING: ScriptedTurn[] = [
  { toolCalls: [{ name: "bash", input: { command: "sleep 60" } }] },
];

/** The local sandbox's workspace of a run is gone (it is destroyed after the stream ends). */
export function sandboxGone(runId: string): Promise<true> {
  return eventually(async () => {
    const dirs = (await readdir(tmpdir())).filter(
      (name) => name.startsWith("sandcaster-local-") && name.includes(runId),
    );
    return dirs.length === 0 ? true : undefined;
  });
}
