// What a test file against a real `sandcaster serve` child shares: each test's temp dir, and the
// server and model doubles it started, all stopped after the test (the server with SIGTERM, waited
// for), as is the dir removed.
import { rm } from "node:fs/promises";
import type { ModelDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach } from "vitest";
import { type ServerProcess, startServe } from "./cli-process.js";
import { tempDir } from "./temp-dir.js";

export interface ServeSuite {
  /** This test's temp dir (the server's cwd). */
  dir: string;
  /** Keeps `double` to close after the test; returns it. */
  double<D extends ModelDouble>(double: D): D;
  /** Starts `sandcaster serve` (see startServe), stopped after the test. */
  serve(args: string[], env: Record<string, string>, cwd?: string): Promise<ServerProcess>;
}

/** Call at a test file's top level: registers the hooks. */
export function serveSuite(name: string): ServeSuite {
  let server: ServerProcess | undefined;
  const doubles: ModelDouble[] = [];
  const suite: ServeSuite = {
    dir: "",
    double(double) {
      doubles.push(double);
      return double;
    },
    async serve(args, env, cwd = suite.dir) {
      server = await startServe(args, env, cwd);
      return server;
    },
  };
  beforeEach(async () => {
    suite.dir = await tempDir(name);
  });
  afterEach(async () => {
    server?.child.kill("SIGTERM");
    await server?.exited;
    server = undefined;
    await Promise.all(doubles.splice(0).map((d) => d.close()));
    await rm(suite.dir, { recursive: true, force: true });
  });
  return suite;
}
