// Build time: makes V8's code cache for the runner by running the built file once, cold (the path
// the cache is for), against the testkit's Anthropic double on loopback. The runner takes the
// cache just before its first request (code-cache-file.mjs): every function of the boot is in it.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAnthropicDouble } from "@sandcaster/testkit";

const RUN_TIMEOUT_MS = 120_000;

/** Runs `runnerPath` once and returns the code cache it wrote at exit. */
export async function makeCodeCache(runnerPath) {
  const double = await startAnthropicDouble({
    turns: [{ text: "done" }],
  });
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-code-cache-"));
  try {
    const out = join(dir, "runner.cache");
    const config = join(dir, "config.json");
    await writeFile(
      config,
      JSON.stringify({ prompt: "Say done.", cwd: dir, provider: "anthropic", model: "haiku" }),
    );
    const env = { ANTHROPIC_API_KEY: "sk-ant-build", ANTHROPIC_BASE_URL: double.url };
    const result = await runOnce(runnerPath, dir, config, {
      ...env,
      SANDCASTER_CODE_CACHE_OUT: out,
    });
    if (result.code !== 0 || !result.stdout.includes('"type":"result"'))
      throw new Error(`code cache run failed (exit ${result.code}): ${result.stderr.slice(-600)}`);
    return await readFile(out);
  } finally {
    await double.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function runOnce(runnerPath, dir, config, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runnerPath, "--config", config], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, ...env },
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
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
