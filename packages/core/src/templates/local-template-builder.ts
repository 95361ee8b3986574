// The local TemplateBuilder: the spec's files are written into a fresh overlay, its steps run in a
// bubblewrap build sandbox (the same isolation as runs) that sees the overlay writable, and the
// finished overlay is renamed to `<dir>/<id>`: present means complete, so a restart reuses it.
// remove() takes it away again once no sandbox on this host runs from it (an agent deleted).
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { promisify } from "node:util";
import type { TemplateSpec } from "@sandcaster/protocol";
import {
  createLocalProvider,
  type LocalProviderSettings,
} from "../providers/local/local-provider.js";
import { TEMPLATE_PREFIX } from "../providers/local/template-mount.js";
import type { Sandbox, SandboxLimits } from "../sandbox/sandbox.js";
import { checkLocalSpec, type LocalStep, localSteps } from "./local-template-steps.js";
import { overlayInUse } from "./overlay-in-use.js";
import { StepOutput } from "./step-output.js";
import { TemplateBuildError } from "./template-build-error.js";
import type { TemplateBuilder } from "./template-service.js";

const run = promisify(execFile);

export interface LocalTemplateBuilderOptions {
  /** Where overlays are kept, one dir per template id (under the server's data dir). */
  dir: string;
  /** The server's local provider settings: builds and runs get the same isolation. */
  provider: Omit<LocalProviderSettings, "template">;
  /** The build sandbox's network: "none" keeps package installs offline; default "bridge". */
  network?: SandboxLimits["network"];
  /** Limits of the build sandbox (default 2048 MB, 2 CPUs, 512 pids, 30 minutes). */
  limits?: Partial<Omit<SandboxLimits, "network">>;
}

async function writeFiles(root: string, spec: TemplateSpec): Promise<void> {
  for (const dir of [
    spec.workdir,
    ...["bin", "lib", "python"].map((d) => `${TEMPLATE_PREFIX}/${d}`),
  ])
    await mkdir(join(root, dir), { recursive: true, mode: 0o755 });
  for (const file of spec.files) {
    const path = join(root, posix.normalize(file.path));
    await mkdir(posix.dirname(path), { recursive: true, mode: 0o755 });
    const content = Buffer.from(file.content, file.encoding === "base64" ? "base64" : "utf8");
    await writeFile(path, content, { mode: file.mode });
    // The umask may have narrowed the mode: the spec's mode is what the sandbox sees.
    await chmod(path, file.mode);
  }
}

async function runStep(
  sandbox: Sandbox,
  step: LocalStep,
  spec: TemplateSpec,
  context: { onLog(line: string): void; signal: AbortSignal },
): Promise<void> {
  context.onLog(`==> ${step.name}`);
  const output = new StepOutput(context.onLog);
  const proc = await sandbox.spawn({
    command: step.cmd,
    env: {},
    cwd: spec.workdir,
    signal: context.signal,
  });
  await Promise.all([output.read(proc.stdout), output.read(proc.stderr)]);
  const status = await proc.wait();
  output.flush();
  context.signal.throwIfAborted();
  if (status.exitCode !== 0) {
    throw new TemplateBuildError({
      step: step.name,
      exitCode: status.exitCode,
      outputTail: output.tail,
    });
  }
}

export function localTemplateBuilder(options: LocalTemplateBuilderOptions): TemplateBuilder {
  const overlay = (id: string) => join(options.dir, id, "root");
  return {
    check: checkLocalSpec,
    async exists(id) {
      return (await stat(overlay(id)).catch(() => undefined))?.isDirectory()
        ? overlay(id)
        : undefined;
    },
    async build(id, spec, context) {
      await mkdir(options.dir, { recursive: true, mode: 0o755 });
      const staging = await mkdtemp(join(options.dir, `.building-${id.slice(0, 16)}-`));
      const root = join(staging, "root");
      try {
        await mkdir(root, { mode: 0o755 });
        if (spec.files.length > 0) context.onLog(`==> files (${spec.files.length})`);
        await writeFiles(root, spec);
        const provider = createLocalProvider({
          ...options.provider,
          template: { root, writable: true, env: spec.env },
        });
        const sandbox = await provider.create({
          runId: `template-${id.slice(0, 12)}`,
          env: {},
          limits: {
            memoryMb: 2048,
            cpus: 2,
            pids: 512,
            timeoutMs: 30 * 60_000,
            ...options.limits,
            network: options.network ?? "bridge",
          },
          signal: context.signal,
        });
        try {
          for (const step of localSteps(spec)) {
            context.signal.throwIfAborted();
            await runStep(sandbox, step, spec, context);
          }
        } finally {
          await sandbox.destroy();
        }
        // The sandbox user owned the overlay while the build ran; the server owns it from now on.
        if (process.getuid?.() === 0) {
          await run("chown", ["-R", "--no-dereference", "0:0", root]);
        }
        await rename(staging, join(options.dir, id)).catch(async (error: unknown) => {
          // Another server process finished the same id first: theirs is as good as ours.
          if (!(await this.exists(id))) throw error;
        });
        context.onLog(`==> overlay ready: ${overlay(id)}`);
        return overlay(id);
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    },
    async remove(id) {
      // Refused while a sandbox runs from it; the caller tries again once that has ended.
      if (await overlayInUse(overlay(id))) return false;
      // Moved out of `<dir>/<id>` in one step: from now on exists() says it is not built, so a
      // new deploy of the same code builds it anew instead of finding it half removed.
      const doomed = await mkdtemp(join(options.dir, `.removing-${id.slice(0, 16)}-`));
      try {
        await rename(join(options.dir, id), join(doomed, id)).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        });
        await rm(doomed, { recursive: true, force: true });
        return true;
      } catch {
        await rm(doomed, { recursive: true, force: true }).catch(() => undefined);
        return false;
      }
    },
    provider(ref, spec) {
      return createLocalProvider({
        ...options.provider,
        template: { root: ref, writable: false, env: spec.env },
      });
    },
  };
}
