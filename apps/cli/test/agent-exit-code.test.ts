// `sandcaster agents invoke` exits with the agent's exit code from the AGENT_FAILED event's typed
// `exitCode`, whatever the message's wording; only a server older than that field (no `exitCode`)
// has it read out of the message. Against a stand-in server: old servers and other wordings are
// what a real one of this version never sends. The real path (docker): agents-command.test.ts.
import { rm } from "node:fs/promises";
import type { SandcasterEvent } from "@sandcaster/protocol";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { type StubServer, startStubServer } from "./stub-server.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
let stub: StubServer | undefined;
beforeEach(async () => {
  dir = await tempDir("agent-exit");
});
afterEach(async () => {
  await stub?.close();
  stub = undefined;
  await rm(dir, { recursive: true, force: true });
});

const INIT: SandcasterEvent = {
  type: "system",
  subtype: "init",
  content: "run started",
  runId: "run_stub",
  sandboxProvider: "local",
};

async function invokeAgainst(error: SandcasterEvent) {
  stub = await startStubServer({ events: [INIT, error] });
  const result = await runCli(
    ["agents", "invoke", "some-agent", "go"],
    { SANDCASTER_URL: stub.url },
    dir,
  );
  expect(stub.requests).toContain("POST /agents/some-agent/invoke");
  return result;
}

it("exits with the event's exitCode, not a number in the message", async () => {
  const result = await invokeAgainst({
    type: "error",
    code: "AGENT_FAILED",
    content: "the agent failed; stderr ends with:\nexited with code 99",
    exitCode: 42,
  });
  expect(result.code).toBe(42);
  expect(result.stderr).toContain("[AGENT_FAILED] the agent failed");
});

it("exits 1 when the event says a signal killed the agent (exitCode null)", async () => {
  const result = await invokeAgainst({
    type: "error",
    code: "AGENT_FAILED",
    content: "the agent was killed (SIGKILL); stderr ends with:\nexited with code 99",
    exitCode: null,
  });
  expect(result.code).toBe(1);
});

it("reads the code out of an older server's message (no exitCode field)", async () => {
  const result = await invokeAgainst({
    type: "error",
    code: "AGENT_FAILED",
    content: "the agent exited with code 5",
  });
  expect(result.code).toBe(5);
});
