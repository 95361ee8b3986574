// What a test file against the stand-in server shares: each test's temp dir, the stub it started
// (closed after the test, as is the dir removed), and the stub's `init` event.
import { rm } from "node:fs/promises";
import type { SandcasterEvent } from "@sandcaster/protocol";
import { afterEach, beforeEach } from "vitest";
import { type StubOptions, type StubServer, startStubServer } from "./stub-server.js";
import { tempDir } from "./temp-dir.js";

/** The `init` event of the stub's run (run_stub). */
export const STUB_INIT: SandcasterEvent = {
  type: "system",
  subtype: "init",
  content: "run started",
  runId: "run_stub",
  sandboxProvider: "local",
};

export interface StubSuite {
  /** This test's temp dir (the CLI's cwd). */
  dir: string;
  /** Starts a stub for this test, closing the one it started before. */
  start(options: StubOptions): Promise<StubServer>;
  /** Closes this test's stub now (its URL then refuses connections). */
  stop(): Promise<void>;
}

/** Call at a test file's top level: registers the hooks. */
export function stubSuite(name: string): StubSuite {
  let stub: StubServer | undefined;
  const suite: StubSuite = {
    dir: "",
    async start(options) {
      await suite.stop();
      stub = await startStubServer(options);
      return stub;
    },
    async stop() {
      await stub?.close();
      stub = undefined;
    },
  };
  beforeEach(async () => {
    suite.dir = await tempDir(name);
  });
  afterEach(async () => {
    await suite.stop();
    await rm(suite.dir, { recursive: true, force: true });
  });
  return suite;
}
