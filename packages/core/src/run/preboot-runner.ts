// A runner started ahead of its run in a pooled sandbox: the pool stages the bundle (unless the
// provider installed it) and starts it with --await-config (it loads its SDKs, then waits on stdin
// holding nothing of any run). The run that takes the sandbox takes the runner too, once, and
// sends its config and env as one stdin line. An idle runner nobody took dies with its sandbox:
// it never outlives it or serves twice. Once warmed up (its SDKs loaded, its first model request
// rehearsed) it says so on stdout; the pool hands out such warm runners first.
import { AWAIT_CONFIG_FLAG, type RunnerStartInput } from "@sandcaster/protocol";
import type { PoolPreparer } from "../sandbox/pool-preparer.js";
import type { Sandbox, SandboxProcess } from "../sandbox/sandbox.js";
import { watchReady } from "./preboot-ready.js";
import { runnerPaths } from "./stage-files.js";

interface IdleRunner {
  /** The runner, its stdout without the ready line. */
  process: SandboxProcess;
  exited: boolean;
  /** It said it is warmed up. */
  warm: boolean;
}

/** Idle runners by their sandbox; an entry is removed when taken. */
const idle = new WeakMap<Sandbox, IdleRunner>();

/**
 * Starts the runner idle (--await-config): nothing of any run in its env, its stdout without the
 * ready line it prints once warmed up. `ready` says whether that line came.
 */
export async function startIdleRunner(
  sandbox: Sandbox,
  path: string,
  signal: AbortSignal,
): Promise<{ process: SandboxProcess; ready: Promise<boolean> }> {
  const spawned = await sandbox.spawn({
    command: [sandbox.nodePath, path, AWAIT_CONFIG_FLAG],
    // Nothing of any run: keys and the gateway token come with the config.
    env: {},
    stdin: true,
    signal,
  });
  // Before its config it prints only the ready line; the rest is left unread until a run relays it.
  const watched = watchReady(spawned.stdout);
  const process: SandboxProcess = {
    stdout: watched.stdout,
    stderr: spawned.stderr,
    ...(spawned.stdin ? { stdin: spawned.stdin } : {}),
    wait: () => spawned.wait(),
    kill: () => spawned.kill(),
  };
  return { process, ready: watched.ready };
}

/** What the warm pool runs on every sandbox it makes: stage the bundle, start the runner idle. */
export function prebootRunner(loadBundle: () => Promise<Uint8Array>): PoolPreparer {
  return {
    async prepare(sandbox, signal) {
      const path = runnerPaths(sandbox).runner;
      // A provider that installed the bundle at create (docker) needs no copy of it.
      if (!sandbox.installedRunner) {
        await sandbox.writeFiles([{ path, content: await loadBundle(), mode: 0o644 }], signal);
      }
      // Not the pool's signal: once a run took it, the run's signal governs it (exec-runner).
      // An idle one dies with its sandbox, which the pool destroys.
      const started = await startIdleRunner(sandbox, path, new AbortController().signal);
      const entry: IdleRunner = { process: started.process, exited: false, warm: false };
      void started.ready.then((ready) => {
        entry.warm = ready;
      });
      void started.process.wait().finally(() => {
        entry.exited = true;
      });
      idle.set(sandbox, entry);
    },
    ready: (sandbox) => idle.get(sandbox)?.exited === false,
    warm: (sandbox) => {
      const entry = idle.get(sandbox);
      return entry?.exited === false && entry.warm;
    },
  };
}

/** The sandbox's idle runner, handed out once (the next call returns undefined). */
export function takePrebootedRunner(sandbox: Sandbox): SandboxProcess | undefined {
  const entry = idle.get(sandbox);
  idle.delete(sandbox);
  return entry && !entry.exited ? entry.process : undefined;
}

/**
 * A pooled sandbox taken for something other than a run of its own (a composite run's secondary,
 * which only executes commands): its idle runner is stopped, so the sandbox runs nothing but what
 * the agent starts there, and no keyless runner waits on a stdin that agent could write to.
 */
export async function retirePrebootedRunner(sandbox: Sandbox): Promise<void> {
  // One that will not die still holds nothing, and goes with its sandbox.
  await takePrebootedRunner(sandbox)
    ?.kill()
    .catch(() => undefined);
}

/** Starts the taken runner's run: its one config line; stdin stays open only for composite runs. */
export async function startPrebootedRunner(
  process: SandboxProcess,
  start: RunnerStartInput,
  keepStdinOpen: boolean,
): Promise<void> {
  const stdin = process.stdin;
  if (!stdin) throw new Error("a pre-booted runner always has stdin");
  const writer = stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(`${JSON.stringify(start)}\n`));
    if (!keepStdinOpen) await writer.close();
  } finally {
    writer.releaseLock();
  }
}
