// The same run without the server: the runner bundle alone on the host, and the runner through a
// sandbox provider driven by hand (create → stage → spawn → read → changed files → destroy).
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { runnerBundlePath } from "@sandcaster/core";
import { AWAIT_CONFIG_FLAG } from "@sandcaster/protocol";
import { withTimeout } from "./lib.mjs";

export const PROMPT = "Say done.";
export const MODEL = "haiku";
const RUN_TIMEOUT_MS = 60_000;
/** How a sandbox driven by hand reaches the model double (see runThroughProvider). */
const DIRECT_NETWORK = { docker: "bridge", local: "host" };

let bundle;
const loadBundle = async () => {
  bundle ??= new Uint8Array(await readFile(runnerBundlePath()));
  return bundle;
};

function lastLine(text) {
  const lines = text.trimEnd().split("\n");
  return lines[lines.length - 1] ?? "";
}

/** `node runner.mjs --config …` on the host, no sandbox. ms from spawn to exit. */
export async function runBareRunner(modelUrl) {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-bench-bare-"));
  try {
    const config = join(dir, "config.json");
    await writeFile(
      config,
      JSON.stringify({ prompt: PROMPT, cwd: dir, provider: "anthropic", model: MODEL }),
    );
    const started = performance.now();
    const child = spawn(process.execPath, [runnerBundlePath(), "--config", config], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dir,
        ANTHROPIC_API_KEY: "sk-ant-bench-key",
        ANTHROPIC_BASE_URL: modelUrl,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
    });
    const code = await withTimeout(
      new Promise((resolve) => child.once("close", resolve)),
      RUN_TIMEOUT_MS,
      "bare runner",
    ).catch((error) => {
      child.kill("SIGKILL");
      throw error;
    });
    const ms = performance.now() - started;
    const last = lastLine(stdout);
    if (code !== 0 || !last.includes('"type":"result"')) {
      throw new Error(`bare runner failed (exit ${code}): ${last} ${stderr.slice(-500)}`);
    }
    return { ms };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Starts the runner the way a server's cold run does on this sandbox (stage-runner.ts): a provider
 * that installed the bundle at create (docker) gets the runner started idle (`--await-config`, empty
 * env; docker hands over the one its container's main process booted) and its config and env as
 * one stdin line; any other gets the bundle and a config file staged.
 */
async function startRunner(sandbox, config, env, signal) {
  const installed = sandbox.installedRunner;
  if (installed) {
    const child = await sandbox.spawn({
      command: [sandbox.nodePath, installed.path, AWAIT_CONFIG_FLAG],
      env: {},
      stdin: true,
      signal,
    });
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${JSON.stringify({ config, env })}\n`));
    await writer.close();
    return child;
  }
  const runner = posix.join(sandbox.runnerDir, "runner.mjs");
  const file = posix.join(sandbox.runnerDir, "config.json");
  await sandbox.writeFiles(
    [
      { path: runner, content: await loadBundle(), mode: 0o644 },
      { path: file, content: new TextEncoder().encode(JSON.stringify(config)), mode: 0o644 },
    ],
    signal,
  );
  return sandbox.spawn({ command: [sandbox.nodePath, runner, "--config", file], env, signal });
}

async function readAll(stream, onFirst) {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    if (text === "") onFirst?.();
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * The run through `provider` without the server, its runner started as a server's cold run starts it
 * (startRunner): ms until the caller has everything a client gets
 * (the runner's result and the changed files; the server's stream ends there too, before removal),
 * ms with the destroy (totalMs), of create (acquire) and destroy, and from the start to the
 * runner's first output and to its exit.
 * `limits` as the server passes them (from sandcaster.json `docker`), except the network: a server
 * run reaches the model through its gateway (over the sandbox's host socket, network "none"); a
 * sandbox driven by hand has no gateway, so it reaches the double directly, on the docker bridge
 * (docker) or the host's loopback (local). The gateway's hop is then counted as server overhead.
 */
export async function runThroughProvider(provider, modelUrl, limits) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("run timed out")), RUN_TIMEOUT_MS);
  const signal = controller.signal;
  const started = performance.now();
  let sandbox;
  let createMs = Number.NaN;
  let destroyMs = Number.NaN;
  let notices = [];
  let firstOutputMs = Number.NaN;
  let exitMs = Number.NaN;
  let endMs = Number.NaN;
  try {
    sandbox = await provider.create({
      runId: `bench_${process.pid}_${Math.random().toString(36).slice(2, 10)}`,
      env: {},
      limits: { ...limits, network: DIRECT_NETWORK[provider.name], timeoutMs: RUN_TIMEOUT_MS },
      signal,
    });
    createMs = performance.now() - started;
    notices = [...sandbox.notices];
    const runnerConfig = {
      prompt: PROMPT,
      cwd: sandbox.workspacePath,
      provider: "anthropic",
      model: MODEL,
      timeoutSecs: RUN_TIMEOUT_MS / 1000,
    };
    const env = { ANTHROPIC_API_KEY: "sk-ant-bench-key", ANTHROPIC_BASE_URL: modelUrl };
    const child = await startRunner(sandbox, runnerConfig, env, signal);
    const [stdout, stderr] = await Promise.all([
      readAll(child.stdout, () => {
        firstOutputMs = performance.now() - started;
      }),
      readAll(child.stderr),
    ]);
    const exit = await child.wait();
    exitMs = performance.now() - started;
    const last = lastLine(stdout);
    if (exit.exitCode !== 0 || !last.includes('"type":"result"')) {
      throw new Error(
        `runner in ${provider.name} failed (${JSON.stringify(exit)}): ${last} ${stderr.slice(-500)}`,
      );
    }
    await sandbox.readChangedFiles(
      { maxFileBytes: 1024 * 1024, maxTotalBytes: 10 * 1024 * 1024, maxFiles: 100 },
      signal,
    );
    endMs = performance.now() - started;
  } finally {
    clearTimeout(timer);
    if (sandbox) {
      const destroyStarted = performance.now();
      await sandbox.destroy();
      destroyMs = performance.now() - destroyStarted;
    }
  }
  const totalMs = performance.now() - started;
  return { ms: endMs, totalMs, createMs, destroyMs, firstOutputMs, exitMs, notices };
}
