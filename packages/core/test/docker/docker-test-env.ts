// Shared setup for the Docker provider tests: daemon probe, test image, labels, leak checks.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { hasService } from "@sandcaster/testkit/services";
import Dockerode from "dockerode";
import type { CreateSandboxOptions, SandboxProcess } from "../../src/sandbox/sandbox.js";

export const TEST_IMAGE = process.env.SANDCASTER_TEST_IMAGE ?? "sandcaster-sandbox:test";
const BUILD_SCRIPT = fileURLToPath(
  new URL("../../../../scripts/build-test-image.sh", import.meta.url),
);

export const docker = new Dockerode();

/** Whether the daemon answers (probed once per run; SANDCASTER_REQUIRE_DOCKER=1 fails there). */
export async function probeDocker(): Promise<boolean> {
  return hasService("docker");
}

/** Builds the offline test image unless it exists (the script is idempotent). */
export async function ensureTestImage(): Promise<void> {
  try {
    await docker.getImage(TEST_IMAGE).inspect();
    return;
  } catch {
    // missing: build it
  }
  await promisify(execFile)("bash", [BUILD_SCRIPT, "--tag", TEST_IMAGE], {
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** A label unique to one test file: every container the tests make carries it. */
export function suiteLabels(): Record<string, string> {
  return { "sandcaster.test-suite": randomUUID() };
}

export async function containersWithLabels(labels: Record<string, string>) {
  return docker.listContainers({
    all: true,
    filters: { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) },
  });
}

export async function removeContainersWithLabels(labels: Record<string, string>): Promise<void> {
  for (const container of await containersWithLabels(labels)) {
    await docker
      .getContainer(container.Id)
      .remove({ force: true })
      .catch(() => {});
  }
}

export function sandboxOptions(
  overrides: Partial<CreateSandboxOptions> = {},
): CreateSandboxOptions {
  return {
    runId: `test-${randomUUID()}`,
    env: {},
    limits: { memoryMb: 256, cpus: 1, pids: 128, timeoutMs: 120_000, network: "none" },
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Reads a web stream to the end. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>)
    chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

/** Output and exit status of a process run to completion. */
export async function finish(process: SandboxProcess) {
  const [stdout, stderr, status] = await Promise.all([
    readAll(process.stdout),
    readAll(process.stderr),
    process.wait(),
  ]);
  return { stdout, stderr, status };
}

/** Runs a node snippet in a container directly (not through the provider); returns its stdout. */
export async function nodeInContainer(containerId: string, source: string): Promise<string> {
  const container = docker.getContainer(containerId);
  const exec = await container.exec({
    Cmd: ["node", "-e", source],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const sink = { write: (chunk: Buffer) => chunks.push(chunk) } as unknown as NodeJS.WritableStream;
  docker.modem.demuxStream(stream, sink, sink);
  await new Promise((resolve) => stream.on("end", resolve));
  return Buffer.concat(chunks).toString("utf8");
}

export async function volumesWithLabels(labels: Record<string, string>) {
  const result = await docker.listVolumes({
    filters: { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) },
  });
  return result.Volumes ?? [];
}

/** Removes the suite's volumes (after their containers: a volume in use cannot be removed). */
export async function removeVolumesWithLabels(labels: Record<string, string>): Promise<void> {
  await removeContainersWithLabels(labels);
  for (const volume of await volumesWithLabels(labels)) {
    await docker
      .getVolume(volume.Name)
      .remove()
      .catch(() => {});
  }
}

/** Whether a volume exists. */
export async function volumeExists(name: string): Promise<boolean> {
  return docker
    .getVolume(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}
