// Fault: PostgreSQL restarts in the middle of a run. The run ends cleanly and the server recovers.
// Uses a cluster of its own (port 5439), so restarting it cannot disturb other suites using PostgreSQL.
import { execFileSync } from "node:child_process";
import { accessSync, constants, readdirSync } from "node:fs";
import { hasService } from "@sandcaster/testkit/services";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

const PORT = 5439;
const CLUSTER = "restart_test";
const DB_URL = `postgres://sandcaster:sandcaster@127.0.0.1:${PORT}/sandcaster_restart`;
const required = process.env.SANDCASTER_REQUIRE_POSTGRES === "1";
const createCluster = "/usr/bin/pg_createcluster";
const possible =
  hasService("postgres") &&
  process.getuid?.() === 0 &&
  (() => {
    try {
      accessSync(createCluster, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  })();
if (required && !possible)
  throw new Error("SANDCASTER_REQUIRE_POSTGRES=1 but pg_createcluster (as root) is missing");
const version = possible
  ? readdirSync("/usr/lib/postgresql")
      .sort((a, b) => Number(a) - Number(b))
      .at(-1)
  : undefined;

function sh(command: string, args: string[]): string {
  return execFileSync(command, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    cwd: "/",
  });
}
const psql = (sql: string) =>
  sh("runuser", ["-u", "postgres", "--", "psql", "-p", String(PORT), "-tAc", sql]);

let t: TestServer | undefined;
beforeAll(async () => {
  if (!version) return;
  const clusters = sh("pg_lsclusters", ["--no-header"]);
  if (!clusters.split("\n").some((l) => l.split(/\s+/)[1] === CLUSTER)) {
    sh("pg_createcluster", [version, CLUSTER, "-p", String(PORT)]);
  }
  sh("pg_ctlcluster", [version, CLUSTER, "start"]);
  for (let i = 0; i < 60 && !isReady(); i++) await new Promise((r) => setTimeout(r, 250));
  if (!psql("select 1 from pg_roles where rolname = 'sandcaster'").trim()) {
    psql("create role sandcaster login password 'sandcaster' createdb");
  }
  if (!psql("select 1 from pg_database where datname = 'sandcaster_restart'").trim()) {
    psql("create database sandcaster_restart owner sandcaster");
  }
}, 60_000);
afterAll(async () => {
  await t?.close();
  if (version) sh("pg_ctlcluster", [version, CLUSTER, "stop"]);
}, 60_000);

function isReady(): boolean {
  try {
    sh("pg_isready", ["-q", "-h", "127.0.0.1", "-p", String(PORT)]);
    return true;
  } catch {
    return false;
  }
}

it.runIf(version !== undefined)(
  "a run across a PostgreSQL restart ends cleanly, and the server serves again",
  async () => {
    t = await startTestServer({
      databaseUrl: DB_URL,
      turns: [
        { toolCalls: [{ name: "bash", input: { command: "sleep 4; echo slept" } }] },
        { text: "survived" },
        { text: "served again" },
      ],
    });
    const response = await postQuery(t.url, { prompt: "sleep through a restart" });
    const runId = response.headers.get("x-run-id") ?? "";
    // The database restarts once the agent's `sleep 4` is under way: mid-run, by what the client saw.
    let toolStarted = () => {};
    const midRun = new Promise<void>((resolve) => {
      toolStarted = resolve;
    });
    const reading = readEvents(response, {
      until: (event) => {
        if (event.data.type === "tool_use") toolStarted();
        return false;
      },
    });
    await Promise.race([midRun, reading]);
    sh("pg_ctlcluster", [version ?? "", CLUSTER, "restart"]);
    const events = await reading;
    const last = events.at(-1)?.data;
    console.log(`[pg-restart] the run ended with ${JSON.stringify(last).slice(0, 160)}`);
    // Clean: the stream ends with the result, or with a coded error — never just cut.
    expect(
      last?.type === "result" || (last?.type === "error" && typeof last.code === "string"),
    ).toBe(true);
    let run = await t.store.getRun(runId).catch(() => undefined);
    for (let i = 0; i < 60 && run?.status === "running"; i++) {
      await new Promise((r) => setTimeout(r, 250));
      run = await t.store.getRun(runId).catch(() => undefined);
    }
    expect(run?.status).toBe(last?.type === "result" ? "completed" : "error");

    for (let i = 0; i < 40 && (await fetch(new URL("/ready", t.url))).status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect((await fetch(new URL("/ready", t.url))).status).toBe(200);
    const again = await readEvents(await postQuery(t.url, { prompt: "again" }));
    expect(again.at(-1)?.data).toMatchObject({ type: "result", content: "served again" });
  },
  90_000,
);
