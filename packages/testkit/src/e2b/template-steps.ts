// Runs one template build of the E2B double: the base's files (another template built here, or an
// empty root), then each step as E2B's builder does: RUN in the build's mount namespace, COPY from
// an uploaded archive, ENV, WORKDIR and USER. Output becomes log entries; a failing step ends it.
import { execFile } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { promisify } from "node:util";
import { spawnProcess } from "./process-runner.js";
import { homeOf } from "./sandbox-registry.js";

const run = promisify(execFile);

export interface LogEntryBody {
  timestamp: string;
  level: "debug" | "info" | "warn" | "error";
  message: string;
}

export interface BuildStep {
  type: string;
  args: string[];
  filesHash?: string;
}

export interface BuildState {
  /** Host dir standing in for the template's `/`. */
  root: string;
  envs: Record<string, string>;
  workdir: string;
  user: string;
  logs: LogEntryBody[];
}

export class StepFailed extends Error {
  constructor(
    message: string,
    /** E2B's step reference: "base", or the 1-based index of the failing step. */
    readonly step: string,
  ) {
    super(message);
  }
}

function log(state: BuildState, level: LogEntryBody["level"], message: string): void {
  state.logs.push({ timestamp: new Date().toISOString(), level, message });
}

/** The root a build starts from: a copy of a template built here, or a fresh sandbox's root. */
export async function baseRoot(base: string | undefined, into: string): Promise<void> {
  if (base) await cp(base, into, { recursive: true, verbatimSymlinks: true });
  // opt/ too: the double binds only the root's own top-level dirs over the host's, so a step
  // writing to /opt must find the template's /opt there, not the host's.
  for (const dir of ["home/user", "root", "tmp", "opt"]) {
    await mkdir(join(into, dir), { recursive: true });
  }
}

async function runCommand(state: BuildState, command: string, user: string): Promise<number> {
  const cwd = state.workdir || homeOf(user);
  await mkdir(join(state.root, cwd), { recursive: true });
  const proc = await spawnProcess({
    config: { cmd: "/bin/sh", args: ["-c", command], envs: state.envs },
    hostCwd: join(state.root, cwd),
    mounts: { root: state.root, cwd },
    stdin: false,
    env: {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: homeOf(user),
      USER: user,
      ...state.envs,
    },
  });
  let partial = "";
  proc.subscribe((event) => {
    if (event.kind !== "data") return;
    const lines = (partial + event.data.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) log(state, event.stream === "stderr" ? "warn" : "info", line);
  });
  await proc.exited;
  if (partial) log(state, "info", partial);
  return proc.result?.exitCode ?? -1;
}

/** COPY src dest [user mode]: `src` (relative, as packed by the SDK) out of its archive. */
async function copy(state: BuildState, step: BuildStep, archive: Buffer): Promise<void> {
  const [src = "", dest = "", , mode = ""] = step.args;
  const unpacked = await mkdtemp(join(tmpdir(), "e2b-double-copy-"));
  try {
    const tarFile = join(unpacked, ".archive");
    await writeFile(tarFile, archive);
    await run("tar", ["-xzf", tarFile, "-C", unpacked]);
    const from = join(unpacked, posix.normalize(src));
    const isDir = (await stat(from)).isDirectory();
    const target = join(
      state.root,
      dest.endsWith("/") && !isDir ? posix.join(dest, posix.basename(src)) : dest,
    );
    await mkdir(posix.dirname(target), { recursive: true });
    await cp(from, target, { recursive: true });
    if (mode && !isDir) await chmod(target, Number.parseInt(mode, 8));
  } finally {
    await rm(unpacked, { recursive: true, force: true });
  }
}

/** Runs every step; throws StepFailed naming the step E2B's way. */
export async function runSteps(
  state: BuildState,
  steps: readonly BuildStep[],
  uploads: ReadonlyMap<string, Buffer>,
): Promise<void> {
  for (const [index, step] of steps.entries()) {
    const ref = String(index + 1);
    const args = step.args;
    log(state, "info", `[builder ${ref}/${steps.length}] ${step.type} ${args.join(" ")}`);
    switch (step.type) {
      case "ENV":
        for (let i = 0; i + 1 < args.length; i += 2) state.envs[args[i] ?? ""] = args[i + 1] ?? "";
        break;
      case "WORKDIR":
        state.workdir = args[0] ?? "/";
        await mkdir(join(state.root, state.workdir), { recursive: true });
        break;
      case "USER":
        state.user = args[0] ?? "user";
        break;
      case "COPY": {
        const archive = step.filesHash ? uploads.get(step.filesHash) : undefined;
        if (!archive) throw new StepFailed(`no uploaded files for ${args[0]}`, ref);
        await copy(state, step, archive);
        break;
      }
      case "RUN": {
        const exitCode = await runCommand(state, args[0] ?? "", args[1] || state.user);
        if (exitCode !== 0) {
          throw new StepFailed(`failed to run command '${args[0]}': exit status ${exitCode}`, ref);
        }
        break;
      }
      default:
        throw new StepFailed(`the E2B double does not build ${step.type} steps`, ref);
    }
  }
}
