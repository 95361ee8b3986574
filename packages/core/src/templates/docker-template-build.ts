// Builds a template on the docker daemon without any registry: a container from the local base
// image runs the spec's steps one by one as root, and is committed as `sandcaster-template:<id>`.
import { posix } from "node:path";
import type { TemplateFile, TemplateSpec } from "@sandcaster/protocol";
import type Dockerode from "dockerode";
import { execExitCode, startExec } from "../providers/docker/exec.js";
import { archiveName, packEntries, type TarEntry } from "../providers/docker/tar.js";
import { TemplateBuildError } from "./template-build-error.js";
import { TEMPLATE_REPOSITORY } from "./template-id.js";

/** Label on build containers and built images: what tests and cleanup select by. */
export const TEMPLATE_LABEL = "sandcaster.template";
const TAIL_CHARS = 4_000;

export interface DockerTemplateBuildOptions {
  docker: Dockerode;
  id: string;
  spec: TemplateSpec;
  /** Network of the build container (package installs need one); default "bridge". */
  network?: string;
  signal?: AbortSignal;
  onLog?: (line: string) => void;
}

interface Step {
  name: string;
  cmd: string[];
  env?: Record<string, string>;
}

/** The spec's steps in the order they run; names say where in the spec each came from. */
export function buildSteps(spec: TemplateSpec): Step[] {
  const steps: Step[] = [];
  const { apt, npm, pip } = spec.packages;
  if (apt.length > 0) {
    steps.push({
      name: "packages.apt",
      // "$@": the names stay argv, never shell text.
      cmd: [
        "sh",
        "-c",
        'apt-get update && apt-get install -y --no-install-recommends "$@"',
        "sh",
      ].concat(apt),
      env: { DEBIAN_FRONTEND: "noninteractive" },
    });
  }
  if (npm.length > 0) {
    steps.push({
      name: "packages.npm",
      cmd: ["npm", "install", "-g", "--no-audit", "--no-fund", ...npm],
    });
  }
  if (pip.length > 0) {
    steps.push({ name: "packages.pip", cmd: ["pip", "install", "--no-cache-dir", ...pip] });
  }
  spec.setup.forEach((command, index) => {
    steps.push({ name: `setup[${index}]: ${command.slice(0, 80)}`, cmd: ["sh", "-c", command] });
  });
  return steps;
}

function fileEntries(files: readonly TemplateFile[]): TarEntry[] {
  const dirs = new Set<string>();
  const entries: TarEntry[] = [];
  for (const file of files) {
    for (let dir = posix.dirname(file.path); dir !== "/"; dir = posix.dirname(dir)) dirs.add(dir);
    entries.push({
      name: archiveName(file.path),
      type: "file",
      content: Buffer.from(file.content, file.encoding === "base64" ? "base64" : "utf8"),
      mode: file.mode,
      uid: 0,
      gid: 0,
    });
  }
  const dirEntries = [...dirs].sort().map(
    (dir): TarEntry => ({
      name: `${archiveName(dir)}/`,
      type: "directory",
      mode: 0o755,
      uid: 0,
      gid: 0,
    }),
  );
  return [...dirEntries, ...entries];
}

async function baseConfig(docker: Dockerode, image: string) {
  try {
    return (await docker.getImage(image).inspect()).Config;
  } catch (error) {
    const missing = (error as { statusCode?: number }).statusCode === 404;
    throw new TemplateBuildError(
      { step: "base", exitCode: null, outputTail: "" },
      missing
        ? `the base image ${image} is not on the docker daemon (no registry pull is attempted): build or load it first`
        : `cannot inspect the base image ${image}: ${String(error)}`,
    );
  }
}

async function runStep(
  docker: Dockerode,
  container: Dockerode.Container,
  step: Step,
  workdir: string,
  options: DockerTemplateBuildOptions,
): Promise<void> {
  options.onLog?.(`==> ${step.name}`);
  const streams = await startExec(docker, container, {
    cmd: step.cmd,
    workingDir: workdir,
    ...(step.env ? { env: step.env } : {}),
  });
  let tail = "";
  let partial = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    tail = (tail + text).slice(-TAIL_CHARS);
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) options.onLog?.(line);
  };
  streams.stdout.on("data", onData);
  streams.stderr.on("data", onData);
  const onAbort = () => streams.close();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await streams.ended;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  if (partial) options.onLog?.(partial);
  options.signal?.throwIfAborted();
  const exitCode = await execExitCode(streams.exec);
  if (exitCode !== 0) {
    throw new TemplateBuildError({ step: step.name, exitCode, outputTail: tail });
  }
}

/** Builds and tags the image; the build container is removed whatever happens. */
export async function buildDockerTemplate(options: DockerTemplateBuildOptions): Promise<string> {
  const { docker, id, spec } = options;
  if (!("docker" in spec.base)) throw new Error("not a docker template spec");
  const config = await baseConfig(docker, spec.base.docker);
  const container = await docker.createContainer({
    Image: spec.base.docker,
    // Keeps the container alive between steps; replaced by the base's own at commit.
    Entrypoint: ["sh", "-c", "while :; do sleep 3600; done"],
    Cmd: [],
    User: "0:0",
    WorkingDir: spec.workdir,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    Labels: { [TEMPLATE_LABEL]: id },
    HostConfig: { NetworkMode: options.network ?? "bridge" },
  });
  try {
    await container.start();
    if (spec.files.length > 0) {
      options.onLog?.(`==> files (${spec.files.length})`);
      await container.putArchive(await packEntries(fileEntries(spec.files)), { path: "/" });
    }
    for (const step of buildSteps(spec)) {
      options.signal?.throwIfAborted();
      await runStep(docker, container, step, spec.workdir, options);
    }
    await container.stop({ t: 0 }).catch(() => undefined);
    const changes = [
      `USER ${config.User || "0"}`,
      `ENTRYPOINT ${JSON.stringify(config.Entrypoint ?? [])}`,
      `CMD ${JSON.stringify(config.Cmd ?? [])}`,
    ];
    await container.commit({ repo: TEMPLATE_REPOSITORY, tag: id, changes });
    options.onLog?.(`==> tagged ${TEMPLATE_REPOSITORY}:${id}`);
    return `${TEMPLATE_REPOSITORY}:${id}`;
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** Whether the template's image is already on the daemon (a build that never needs to run). */
export async function dockerTemplateExists(docker: Dockerode, id: string): Promise<boolean> {
  try {
    await docker.getImage(`${TEMPLATE_REPOSITORY}:${id}`).inspect();
    return true;
  } catch {
    return false;
  }
}
