import type { SandcasterEvent } from "@sandcaster/protocol";
import { expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { STUB_INIT, stubSuite } from "./stub-suite.js";

const suite = stubSuite("agent-exit");

async function invokeAgainst(error: SandcasterEvent) {
  const stub = await suite.start({ events: [STUB_INIT, error] });
  const result = await runCli(
    ["agents", "invoke", "some-agent", "go"],
    { SANDCASTER_URL: stub.url },
    suite.dir,
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
