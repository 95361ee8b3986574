// The stdin pipe of Docker sandboxes against the real daemon (skipped without one unless
// SANDCASTER_REQUIRE_DOCKER=1). Only containers carrying this file's label are checked or removed.
import { describe } from "vitest";
import { stdinContract } from "../stdin-contract.js";
import { dockerSandboxes } from "./docker-suite.js";
import { nodeInContainer, probeDocker, suiteLabels } from "./docker-test-env.js";

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
  const { create } = dockerSandboxes(labels);

  stdinContract({
    async create() {
      return create();
    },
    leftovers: (sandbox, marker) => markedPids(sandbox.id, marker),
  });
});
