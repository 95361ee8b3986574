// What a docker test file's describe block shares: the provider on the test image, its sandboxes
// destroyed after each test, no container of the file's labels left at the end; and the live
// processes of a container.
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { createDockerProvider } from "../../src/providers/docker/index.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import {
  containersWithLabels,
  docker,
  ensureTestImage,
  nodeInContainer,
  removeContainersWithLabels,
  sandboxOptions,
  TEST_IMAGE,
} from "./docker-test-env.js";

/** Call inside a describe block: registers its hooks, gives its provider and `create`. */
export function dockerSandboxes(labels: Record<string, string>) {
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

  return {
    provider,
    /** Destroys `sandbox` (made some other way) after the test. */
    keep(sandbox: Sandbox): Sandbox {
      sandboxes.push(sandbox);
      return sandbox;
    },
    /** A sandbox destroyed after the test. */
    async create(...args: Parameters<typeof sandboxOptions>): Promise<Sandbox> {
      const sandbox = await provider.create(sandboxOptions(...args));
      sandboxes.push(sandbox);
      return sandbox;
    },
  };
}

export interface ContainerProcess {
  pid: number;
  /** Its process group. */
  group: number;
  argv: string[];
}

/** The container's live processes (not zombies), without the one that lists them. */
export async function containerProcesses(containerId: string): Promise<ContainerProcess[]> {
  const out = await nodeInContainer(
    containerId,
    `const fs = require("fs");
     const found = [];
     for (const entry of fs.readdirSync("/proc")) {
       const pid = Number(entry);
       if (!pid || pid === process.pid) continue;
       try {
         const stat = fs.readFileSync("/proc/" + pid + "/stat", "latin1");
         const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
         if (fields[0] === "Z" || fields[0] === "X") continue;
         const argv = fs.readFileSync("/proc/" + pid + "/cmdline", "latin1").split("\\0").filter(Boolean);
         found.push({ pid, group: Number(fields[2]), argv });
       } catch {}
     }
     console.log(JSON.stringify(found));`,
  );
  return JSON.parse(out) as ContainerProcess[];
}
