// `sandcaster doctor` in made-up environments: a dead Docker socket, no keys, E2B answering or
// refusing, an unreachable PostgreSQL, a check that hangs. Docker itself is never touched.

import { rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createSqliteRunStore } from "@sandcaster/core";
import { DEFAULT_E2B_API_KEY, type E2BDouble, startE2BDouble } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
let e2b: E2BDouble | undefined;
let silent: Server | undefined;
beforeEach(async () => {
  dir = await tempDir("doctor");
});
afterEach(async () => {
  await e2b?.close();
  e2b = undefined;
  silent?.closeAllConnections();
  await new Promise((r) => (silent ? silent.close(r) : r(undefined)));
  silent = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Never the machine's Docker: a socket nobody listens on. */
const base = () => ({
  DOCKER_HOST: `unix://${join(dir, "dead.sock")}`,
  HOME: dir,
  SANDCASTER_DB: join(dir, "runs.db"),
});
const line = (out: string, id: string) =>
  out.split("\n").find((l) => new RegExp(`^. ${id} `).test(l)) ?? "";
const hintAfter = (out: string, id: string) => {
  const lines = out.split("\n");
  return lines[lines.findIndex((l) => new RegExp(`^. ${id} `).test(l)) + 1] ?? "";
};

it("a dead Docker socket and no model key: ✗ with a fix under each, exit 1", async () => {
  await writeFile(
    join(dir, "sandcaster.json"),
    '{ "sandboxProvider": "docker", "model": "sonnet" } // docker wanted',
  );
  const result = await runCli(["doctor"], base(), dir);
  expect(result.code).toBe(1);
  const out = result.stdout;
  expect(line(out, "docker")).toMatch(
    /^✗ docker +no Docker daemon at unix:\/\/.*dead\.sock: .*ENOENT/,
  );
  expect(hintAfter(out, "docker")).toMatch(/^ +→ start Docker, or point DOCKER_HOST/);
  expect(line(out, "image")).toMatch(/^– image +not checked: no Docker daemon/);
  expect(line(out, "sandbox")).toMatch(
    /^✗ sandbox +docker \(sandboxProvider in sandcaster\.json\): docker is not ready/,
  );
  expect(line(out, "anthropic")).toMatch(/^– anthropic +ANTHROPIC_API_KEY not set/);
  expect(line(out, "google")).toMatch(/^– google +GOOGLE_API_KEY or GEMINI_API_KEY not set/);
  expect(line(out, "model")).toMatch(
    /^✗ model +runs would use claude-sonnet-4-6 via anthropic, but ANTHROPIC_API_KEY is not set/,
  );
  expect(hintAfter(out, "model")).toMatch(/→ export ANTHROPIC_API_KEY=…/);
  expect(out).toMatch(/not ready: 3 problems to fix \(✗\)$/m);
  expect(out).not.toContain("\x1b"); // no colours off a terminal

  await rm(join(dir, "sandcaster.json"));
  const json = await runCli(["doctor", "--json"], base(), dir);
  expect(json.code).toBe(1);
  const report = JSON.parse(json.stdout);
  // No sandcaster.json: Docker is only optional, but no key means no model at all.
  expect(report).toMatchObject({ ready: false, sandboxProvider: "local" });
  expect(report.checks).toContainEqual(
    expect.objectContaining({
      id: "docker",
      status: "warn",
      hint: expect.stringContaining("DOCKER_HOST"),
    }),
  );
  expect(report.checks).toContainEqual({
    id: "model",
    status: "fail",
    message: "no model key is set",
    hint: expect.stringMatching(
      /^set one of ANTHROPIC_API_KEY, OPENAI_API_KEY, GOOGLE_API_KEY, GEMINI_API_KEY/,
    ),
  });
});

// It expects the ✓ bubblewrap line: only where bwrap works.
it.runIf(hasService("bwrap"))(
  "the local sandbox and a key work: exit 0; Docker only warns; key values never shown",
  async () => {
    const store = createSqliteRunStore({ path: join(dir, "runs.db") });
    await store.migrate();
    await store.close();
    const env = {
      ...base(),
      ANTHROPIC_API_KEY: "sk-ant-very-secret-value",
      GEMINI_API_KEY: "g-secret-2",
    };
    const result = await runCli(["doctor"], env, dir);
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(line(out, "node")).toMatch(/^✓ node +v\d+\./);
    expect(line(out, "config")).toMatch(/^✓ config +no sandcaster\.json: built-in defaults/);
    expect(line(out, "runner")).toMatch(/^✓ runner +\/.*runner\.mjs$/);
    expect(line(out, "docker")).toMatch(/^! docker +no Docker daemon/);
    expect(line(out, "bubblewrap")).toMatch(/^✓ bubblewrap +\S*bwrap creates user namespaces/);
    expect(line(out, "sandbox")).toMatch(
      /^✓ sandbox +local \(no E2B key and no Docker daemon\), isolated by bubblewrap/,
    );
    expect(line(out, "anthropic")).toMatch(/^✓ anthropic +ANTHROPIC_API_KEY is set$/);
    expect(line(out, "google")).toMatch(/^✓ google +GEMINI_API_KEY is set$/);
    expect(line(out, "model")).toMatch(/^✓ model +runs use claude-sonnet-4-6 via anthropic/);
    expect(line(out, "store")).toMatch(/^✓ store +sqlite .*runs\.db \(schema up to date\)/);
    expect(out).toMatch(/^ready \(1 warning\)$/m);
    expect(out).not.toContain("very-secret");
    expect(out).not.toContain("g-secret-2");
  },
);

it("E2B: reached with the key → chosen and ✓; a rejected key → ✗ with a fix", async () => {
  e2b = await startE2BDouble();
  const env = { ...base(), ANTHROPIC_API_KEY: "k", E2B_API_URL: e2b.apiUrl };
  const ok = await runCli(["doctor"], { ...env, E2B_API_KEY: DEFAULT_E2B_API_KEY }, dir);
  expect(ok.code).toBe(0);
  expect(line(ok.stdout, "e2b")).toMatch(/^✓ e2b +http:\/\/127\.0\.0\.1:\d+ accepts the key/);
  expect(line(ok.stdout, "sandbox")).toMatch(/^✓ sandbox +e2b \(E2B_API_KEY is set\), ready/);

  const bad = await runCli(["doctor"], { ...env, E2B_API_KEY: "e2b_wrong" }, dir);
  expect(bad.code).toBe(1);
  expect(line(bad.stdout, "e2b")).toMatch(/^✗ e2b +.* rejects E2B_API_KEY \(401\)/);
  expect(hintAfter(bad.stdout, "e2b")).toContain("e2b.dev");
  expect(bad.stdout).not.toContain("e2b_wrong");
});

it("every check has a time limit, and an unreachable PostgreSQL is ✗ without its password", async () => {
  silent = createServer(() => undefined); // accepts, never answers
  await new Promise<void>((r) => silent?.listen(0, "127.0.0.1", r));
  const port = (silent.address() as AddressInfo).port;
  const env = {
    ...base(),
    ANTHROPIC_API_KEY: "k",
    E2B_API_KEY: "e2b_x",
    E2B_API_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: `postgres://me:pg-password@127.0.0.1:${port}/db`,
  };
  // The silent server never answers: without the limit doctor would hang past the test's timeout.
  // (A wall-clock bound here measured the host's load as much as doctor: CLI start-up alone took
  // over 8 s under stress-ng.)
  const result = await runCli(["doctor", "--timeout", "1"], env, dir);
  expect(result.code).toBe(1);
  expect(line(result.stdout, "e2b")).toMatch(/^✗ e2b +no answer within 1s/);
  expect(line(result.stdout, "store")).toMatch(/^✗ store +/);
  expect(result.stdout).not.toContain("pg-password");
});
