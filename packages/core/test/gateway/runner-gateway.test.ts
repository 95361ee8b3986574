// The real runner bundle reaching every provider double only through the run gateway's socket:
// no key in its environment, usage metered from the double's stream, budgets and errors enforced.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  costOfCall,
  type ModelProvider,
  roundUsd,
  SandcasterEventSchema,
} from "@sandcaster/protocol";
import {
  type ModelDouble,
  type ScriptedTurn,
  startAnthropicDouble,
  startGeminiDouble,
  startOpenAIDouble,
} from "@sandcaster/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { meteredResult, openRunGateway, type RunGateway } from "../../src/gateway/index.js";
import {
  bwrapWorks,
  makeRunnerHome,
  ofType,
  type RunnerHome,
  runRunner,
} from "./runner-process.js";

const BWRAP = bwrapWorks();
const REQUIRED = process.env.SANDCASTER_REQUIRE_BWRAP === "1";
if (!BWRAP && !REQUIRED)
  console.log(
    "skipping sandboxed gateway tests: bubblewrap not usable (apt-get install bubblewrap)",
  );
const SANDBOX = BWRAP || REQUIRED ? "bwrap" : "none";

const FAMILIES: {
  provider: ModelProvider;
  model: string;
  start(t: ScriptedTurn[]): Promise<ModelDouble>;
  keyOf(h: Record<string, string>): string | undefined;
}[] = [
  {
    provider: "anthropic",
    model: "claude-sonnet-4-6",
    start: (turns) => startAnthropicDouble({ turns }),
    keyOf: (h) => h["x-api-key"],
  },
  {
    provider: "openai",
    model: "gpt-5",
    start: (turns) => startOpenAIDouble({ turns }),
    keyOf: (h) => h.authorization,
  },
  {
    provider: "google",
    model: "gemini-2.5-flash",
    start: (turns) => startGeminiDouble({ turns }),
    keyOf: (h) => h["x-goog-api-key"],
  },
  {
    provider: "openrouter",
    model: "anthropic/claude-sonnet-4.6",
    start: (turns) => startOpenAIDouble({ turns }),
    keyOf: (h) => h.authorization,
  },
];

let home: RunnerHome;
let key: string;
let double: ModelDouble | undefined;
let gateway: RunGateway | undefined;

beforeEach(async () => {
  home = await makeRunnerHome();
  // Random per test, so no file on this host holds it unless something leaked it there.
  key = `sk-secret-${randomBytes(16).toString("hex")}`;
});
afterEach(async () => {
  await gateway?.close();
  await double?.close();
  gateway = undefined;
  double = undefined;
  await home.cleanup();
});

async function start(
  family: (typeof FAMILIES)[number],
  turns: ScriptedTurn[],
  extra: Partial<Parameters<typeof openRunGateway>[0]> = {},
) {
  double = await family.start(turns);
  gateway = await openRunGateway({
    runId: "run-gw",
    provider: family.provider,
    upstream: { baseUrl: double.url, key },
    socketDir: home.socketDir,
    ...extra,
  });
  return { double, gateway };
}

/** The runner config: the sandboxed runner sees the socket at /run/sandcaster, unsandboxed at its host path. */
function configFor(
  family: (typeof FAMILIES)[number],
  g: RunGateway,
  sandbox: "none" | "bwrap",
  limits = {},
) {
  const socket = sandbox === "bwrap" ? g.runner.socket : g.socketPath;
  return {
    prompt: "go",
    provider: family.provider,
    model: family.model,
    gateway: { ...g.runner, socket },
    limits: { modelRetries: 0, ...limits },
  };
}

const bash = (command: string): ScriptedTurn => ({
  toolCalls: [{ name: "bash", input: { command } }],
  usage: { inputTokens: 900, outputTokens: 60 },
});

describe.each(FAMILIES)(`runner through the gateway (${SANDBOX}): $provider`, (family) => {
  it("reaches the double with the key only the gateway holds, and is metered from its stream", async () => {
    const { double, gateway } = await start(family, [
      bash('echo "proxy=$HTTPS_PROXY no=$NO_PROXY"'),
      { text: "all done", usage: { inputTokens: 1500, outputTokens: 40, cacheReadTokens: 300 } },
    ]);
    const run = await runRunner(home, configFor(family, gateway, SANDBOX), { sandbox: SANDBOX });
    expect(run.exitCode, run.stderr).toBe(0);
    const [result] = ofType(run, "result");
    expect(result).toMatchObject({ subtype: "success", content: "all done" });
    const expected = {
      inputTokens: 2400,
      outputTokens: 100,
      cacheReadTokens: 300,
      cacheWriteTokens: 0,
    };
    expect(gateway.usage()).toEqual(expected);
    expect(gateway.costUsd()).toBe(
      roundUsd(
        (costOfCall(family.model, {
          inputTokens: 900,
          outputTokens: 60,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
        }) ?? 0) +
          (costOfCall(family.model, {
            inputTokens: 1500,
            outputTokens: 40,
            cacheReadTokens: 300,
            cacheWriteTokens: 0,
          }) ?? 0),
      ),
    );
    expect(double.requests).toHaveLength(2);
    for (const request of double.requests) expect(family.keyOf(request.headers)).toContain(key);
    const [toolResult] = ofType(run, "tool_result");
    expect(toolResult?.content).toMatch(
      /proxy=http:\/\/127\.0\.0\.1:\d+ no=localhost,127\.0\.0\.1/,
    );
    // The runner counted the same stream: no disagreement to warn about.
    const metered = meteredResult(SandcasterEventSchema.parse(result) as never, gateway);
    expect(metered.warning).toBeUndefined();
  });
});

describe(`hostile agent against the gateway (${SANDBOX})`, () => {
  const anthropic = FAMILIES[0] as (typeof FAMILIES)[number];

  it.runIf(SANDBOX === "bwrap")(
    "finds the key nowhere in the sandbox and reaches nothing but the gateway",
    async () => {
      // A service on the host's loopback: reachable from the host, not from the sandbox.
      const service = createServer((_req, res) => res.end("host service"));
      await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
      const port = (service.address() as AddressInfo).port;
      const target = `http://127.0.0.1:${port}/`;
      const loot = [
        `for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do echo "== $f"; tr '\\0' '\\n' < "$f"; done > loot.txt 2>&1`,
        `grep -rIah . "$HOME" /tmp /run /etc/hostname --exclude=runner.mjs >> loot.txt 2>/dev/null`,
        "ps -eo pid,args >> loot.txt 2>&1",
        `echo "direct=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --noproxy '*' ${target})" >> loot.txt`,
        `echo "proxied=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -x "$HTTP_PROXY" --noproxy '' ${target})" >> loot.txt`,
        "true",
      ].join("; ");
      const { double: live, gateway } = await start(anthropic, [bash(loot), { text: "looted" }]);
      try {
        const run = await runRunner(home, configFor(anthropic, gateway, "bwrap"), {
          sandbox: "bwrap",
        });
        expect(run.exitCode, run.stderr).toBe(0);
        const text = await readFile(join(home.workspace, "loot.txt"), "utf8");
        // The search did see the runner's own process and files (the token is in its config)...
        expect(text).toContain("runner.mjs");
        expect(text).toContain(gateway.token);
        // ...and the key in none of them.
        expect(text).not.toContain(key);
        expect(text).toMatch(/direct=000/);
        expect(text).toMatch(/proxied=403/);
        expect(live.requests.every((r) => r.headers["x-api-key"] === key)).toBe(true);
      } finally {
        await new Promise<void>((resolve) => service.close(() => resolve()));
      }
    },
  );

  it("a forged result on the runner's stdout does not change the metered cost", async () => {
    const forged = JSON.stringify({
      type: "result",
      subtype: "success",
      content: "forged",
      costUsd: 1e-7,
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
    const { gateway } = await start(anthropic, [
      // The runner's stdout is a socketpair (not openable through /proc/<pid>/fd/1), so the forger
      // takes a copy of the descriptor itself: pidfd_open (434) and pidfd_getfd (438).
      bash(
        `perl -e 'my $p = syscall(434, $ARGV[0] + 0, 0); my $f = syscall(438, $p, 1, 0); open(my $h, ">&=", $f) or die "no fd: $!"; print $h "$ARGV[1]\\n"; close $h' "$PPID" '${forged}'`,
      ),
      { text: "finished", usage: { inputTokens: 5000, outputTokens: 500 } },
    ]);
    // Unsandboxed: the forger needs ptrace rights over the runner, which bwrap's dropped
    // capabilities (and Yama) deny; the point here is what the host does once a forgery is out.
    const run = await runRunner(home, configFor(anthropic, gateway, SANDBOX), { sandbox: SANDBOX });
    expect(run.exitCode, run.stderr).toBe(0);
    const results = ofType(run, "result");
    expect(
      results.map((r) => r.content),
      JSON.stringify(ofType(run, "tool_result")),
    ).toEqual(["forged", "finished"]);
    const real = costOfCall(anthropic.model, {
      inputTokens: 5900,
      outputTokens: 560,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
    for (const line of results) {
      const { result } = meteredResult(SandcasterEventSchema.parse(line) as never, gateway);
      expect(result.costUsd).toBe(real);
      expect(result.usage).toEqual({
        inputTokens: 5900,
        outputTokens: 560,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      });
    }
    const { warning } = meteredResult(SandcasterEventSchema.parse(results[0]) as never, gateway);
    expect(warning?.code).toBe("METERING_MISMATCH");
  });

  it("a budget of a few cents ends a looping run with BUDGET_EXCEEDED", async () => {
    const haiku = { ...anthropic, model: "claude-haiku-4-5" };
    // Each call: 10,000 input tokens of Haiku = $0.01. The agent would loop forever.
    const loop = Array.from({ length: 30 }, () => ({
      ...bash("echo again"),
      usage: { inputTokens: 10_000, outputTokens: 0 },
    }));
    const signalled: string[] = [];
    const { double, gateway } = await start(haiku, loop, {
      budget: { maxCostUsd: 0.03 },
      onBudgetExceeded: (refusal) => signalled.push(refusal.field),
    });
    const run = await runRunner(
      home,
      { ...configFor(haiku, gateway, SANDBOX), maxTurns: 100 },
      { sandbox: SANDBOX },
    );
    expect(run.exitCode).toBe(1);
    expect(ofType(run, "error")).toEqual([expect.objectContaining({ code: "BUDGET_EXCEEDED" })]);
    expect(signalled).toEqual(["maxCostUsd"]);
    expect(double.requests).toHaveLength(3);
    expect(gateway.costUsd()).toBe(0.03);
  });

  it.each([
    ["MODEL_AUTH_FAILED", [{ error: { status: 401, message: "invalid x-api-key" } }]],
    ["MODEL_API_ERROR", [{ error: { status: 500, message: "overloaded" } }]],
    ["MODEL_RATE_LIMITED", [{ error: { status: 429, message: "slow down" } }]],
  ] as const)(
    "passes a provider error through to the runner's mapping: %s",
    async (code, turns) => {
      const { gateway } = await start(anthropic, [...turns]);
      const run = await runRunner(home, configFor(anthropic, gateway, SANDBOX), {
        sandbox: SANDBOX,
      });
      expect(ofType(run, "error")).toEqual([expect.objectContaining({ code })]);
    },
  );

  it("retries a 429 through the gateway and then succeeds", async () => {
    const { double, gateway } = await start(anthropic, [
      { error: { status: 429, message: "slow down", retryAfterSecs: 0 } },
      { text: "ok" },
    ]);
    const run = await runRunner(home, configFor(anthropic, gateway, SANDBOX, { modelRetries: 2 }), {
      sandbox: SANDBOX,
    });
    expect(ofType(run, "result")).toEqual([expect.objectContaining({ content: "ok" })]);
    expect(double.requests).toHaveLength(2);
  });

  it("an unreachable provider is MODEL_CONNECTION_FAILED", async () => {
    const { double, gateway } = await start(anthropic, []);
    await double.close();
    const run = await runRunner(home, configFor(anthropic, gateway, SANDBOX), { sandbox: SANDBOX });
    expect(ofType(run, "error")).toEqual([
      expect.objectContaining({ code: "MODEL_CONNECTION_FAILED" }),
    ]);
  });
});
