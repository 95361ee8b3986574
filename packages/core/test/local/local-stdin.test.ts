// The stdin pipe of local sandboxes, unisolated and under bwrap (skipped without a working bwrap
// unless SANDCASTER_REQUIRE_BWRAP=1).
import { rm } from "node:fs/promises";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, beforeEach, describe } from "vitest";
import { createLocalProvider } from "../../src/providers/local/index.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { stdinContract } from "../stdin-contract.js";
import { LIMITS, livePidsWithMarker, makeBaseDir, signal } from "./helpers.js";

function localSuite(isolation: "none" | "bwrap") {
  let baseDir: string;
  const sandboxes: Sandbox[] = [];

  beforeEach(async () => {
    baseDir = await makeBaseDir();
  });

  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.destroy()));
    await rm(baseDir, { recursive: true, force: true });
  });

  stdinContract({
    async create() {
      const provider = createLocalProvider({ isolation, baseDir, logger: { warn: () => {} } });
      const sandbox = await provider.create({
        runId: "stdin",
        env: {},
        limits: LIMITS,
        signal: signal(),
      });
      sandboxes.push(sandbox);
      return sandbox;
    },
    leftovers: (_sandbox, marker) => livePidsWithMarker(marker),
  });
}

describe("local sandbox stdin, unisolated", () => localSuite("none"));

describe.runIf(hasService("bwrap"))("local sandbox stdin, under bwrap", () => localSuite("bwrap"));
