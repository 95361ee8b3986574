// Build time: makes V8's code caches for the runner file's parts by running the built file cold
// (the path the caches are for), once per model family, against the testkit's doubles on loopback.
// A run writes the caches of the parts it compiled, just before its first request
// (code-cache-file.mjs): the runner's from the first family's run, each SDK's from its family's.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAnthropicDouble, startGeminiDouble, startOpenAIDouble } from "@sandcaster/testkit";

const RUN_TIMEOUT_MS = 120_000;

const FAMILIES = [
  {
    provider: "anthropic",
    model: "haiku",
    start: startAnthropicDouble,
    env: (url) => ({ ANTHROPIC_API_KEY: "sk-ant-build", ANTHROPIC_BASE_URL: url }),
  },
  {
    provider: "openai",
    model: "gpt-5",
    start: startOpenAIDouble,
    env: (url) => ({ OPENAI_API_KEY: "sk-openai-build", OPENAI_BASE_URL: url }),
  },
  {
    provider: "google",
    model: "gemini-2.5-flash",
    start: startGeminiDouble,
    env: (url) => ({ GOOGLE_API_KEY: "google-build-key", GOOGLE_GEMINI_BASE_URL: url }),
  },
];

/** Runs `runnerPath` once per family; part name → its code cache (first run's wins). */
export async function makeCodeCaches(runnerPath) {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-code-cache-"));
  const caches = new Map();
  try {
    for (const family of FAMILIES) {
      const out = join(dir, family.provider);
      await mkdir(out);
      for (const [name, cache] of await cachesOfOneRun(runnerPath, dir, out, family))
        if (!caches.has(name)) caches.set(name, cache);
    }
    return caches;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function cachesOfOneRun(runnerPath, dir, out, family) {
  const double = await family.start({ turns: [{ text: "done" }] });
  try {
    const config = join(dir, "config.json");
    await writeFile(
      config,
      JSON.stringify({
        prompt: "Say done.",
        cwd: dir,
        provider: family.provider,
        model: family.model,
      }),
    );
    const result = await runOnce(runnerPath, dir, config, {
      ...family.env(double.url),
      SANDCASTER_CODE_CACHE_OUT: out,
    });
    if (result.code !== 0 || !result.stdout.includes('"type":"result"'))
      throw new Error(
        `code cache run (${family.provider}) failed (exit ${result.code}): ${result.stderr.slice(-600)}`,
      );
    const names = await readdir(out);
    return Promise.all(
      names.map(async (file) => [decodeURIComponent(file), await readFile(join(out, file))]),
    );
  } finally {
    await double.close();
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
