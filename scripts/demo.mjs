// Offline demo: a real `sandcaster serve` on the local sandbox, driven by a SCRIPTED model (the
// testkit's Anthropic wire double), queried with the real CLI. No keys, no internet.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAnthropicDouble } from "@sandcaster/testkit";

const cli = join(import.meta.dirname, "..", "apps", "cli", "dist", "main.js");
const script = [
  {
    thinking: "The user wants Fibonacci numbers. I will write a small script and run it.",
    text: "I'll write a script that prints the first Fibonacci numbers, then run it.",
    toolCalls: [
      {
        name: "write_file",
        input: {
          path: "fib.mjs",
          content:
            "let [a, b] = [0, 1];\nconst out = [];\nfor (let i = 0; i < 15; i++) { out.push(a); [a, b] = [b, a + b]; }\nconsole.log(out.join(' '));\n",
        },
      },
    ],
    usage: { inputTokens: 1850, outputTokens: 210, cacheReadTokens: 0, cacheWriteTokens: 0 },
    chunkDelayMs: 40,
  },
  {
    toolCalls: [{ name: "bash", input: { command: "node fib.mjs | tee fib.txt" } }],
    usage: { inputTokens: 2100, outputTokens: 60, cacheReadTokens: 1800 },
    chunkDelayMs: 40,
  },
  {
    text: "Done. `fib.mjs` prints the first 15 Fibonacci numbers: 0 1 1 2 3 5 8 13 21 34 55 89 144 233 377 (saved to fib.txt).",
    usage: { inputTokens: 2300, outputTokens: 70, cacheReadTokens: 2000 },
    chunkDelayMs: 40,
  },
];

function run(args, env, { quiet = false } = {}) {
  return spawn(process.execPath, [cli, ...args], {
    env,
    stdio: ["ignore", quiet ? "ignore" : "inherit", "inherit"],
  });
}

const dir = await mkdtemp(join(tmpdir(), "sandcaster-demo-"));
const model = await startAnthropicDouble({ turns: script });
const port = 8000 + Math.floor(Math.random() * 1000);
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ANTHROPIC_API_KEY: "demo-key-not-a-real-one",
  ANTHROPIC_BASE_URL: model.url,
  SANDCASTER_DB: join(dir, "demo.db"),
  SANDCASTER_LOG_LEVEL: "warn",
};
console.log("┌──────────────────────────────────────────────────────────────────────┐");
console.log("│ Sandcaster offline demo — the model is SCRIPTED (testkit double);     │");
console.log("│ the server, sandbox (local/bubblewrap), runner and tools are real.    │");
console.log("└──────────────────────────────────────────────────────────────────────┘");
const server = run(
  ["serve", "--port", String(port), "--config", join(import.meta.dirname, "demo.json")],
  env,
  {
    quiet: true,
  },
);
const url = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (i > 100) throw new Error("the server did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(
    `$ sandcaster query --url ${url} "Print the first 15 Fibonacci numbers" --model haiku\n`,
  );
  const query = run(
    ["query", "--url", url, "--model", "haiku", "Print the first 15 Fibonacci numbers"],
    env,
  );
  const code = await new Promise((resolve) => query.on("close", resolve));
  console.log(`\n$ sandcaster runs --url ${url}\n`);
  await new Promise((resolve) => run(["runs", "--url", url], env).on("close", resolve));
  process.exitCode = code;
} finally {
  server.kill("SIGTERM");
  await new Promise((resolve) => server.on("close", resolve));
  await model.close();
  await rm(dir, { recursive: true, force: true });
}
