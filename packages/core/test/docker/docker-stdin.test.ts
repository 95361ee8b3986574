// The stdin pipe of Docker sandboxes against the real daemon (skipped without one unless
// SANDCASTER_REQUIRE_DOCKER=1). Only containers carrying this file's label are checked or removed.
import { afterAll, afterEach, beforeAll, describe, expect } from "vitest";
import { createDockerProvider } from "../../src/providers/docker/index.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { stdinContract } from "../stdin-contract.js";
import {
  containersWithLabels,
  docker,
  ensureTestImage,
  nodeInContainer,
  probeDocker,
  removeContainersWithLabels,
  sandboxOptions,
  suiteLabels,
  TEST_IMAGE,
} from "./docker-test-env.js";

const available = await probeDocker();
const labels = suiteLabels();

/** Pids in the container whose argv carries `marker` and that are not zombies. */
async function markedPids(containerId: string, marker: string): Promise<number[]> {
  const out = await nodeInContainer(
    containerId,
    `const fs = require("fs");
     const found = fs.readdirSync("/proc").filter((p) => /^\\d+$/.test(p) && Number(p) !== process.pid)
       .filter((p) => {
         try {
           if (!fs.readFileSync("/proc/" + p + "/cmdline", "latin1").split("\\0").includes(${JSON.stringify(marker)})) return false;
           return !/^\\S+ \\(.*\\) [ZX] /.test(fs.readFileSync("/proc/" + p + "/stat", "latin1"));
         } catch { return false; }
       });
     console.log(JSON.stringify(found.map(Number)));`,
  );
  return JSON.parse(out) as number[];
}

describe.skipIf(!available)("docker sandbox stdin (real daemon)", () => {
  const provider = createDockerProvider({ docker, image: TEST_IMAGE, labels });
  const sandboxes: Sandbox[] = [];

  beforeAll(ensureTestImage, 180_000);

  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.destroy()));
  });

  afterAll(async () => {
    const leftovers = await containersWithLabels(labels);
    await removeContainersWithLabels(labels);
    expect(leftovers.map((container) => container.Names)).toEqual([]);
  });

  stdinContract({
    async create() {
      const sandbox = await provider.create(sandboxOptions());
      sandboxes.push(sandbox);
      return sandbox;
    },
    leftovers: (sandbox, marker) => markedPids(sandbox.id, marker),
  });
});
