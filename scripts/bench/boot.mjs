// The runner's cold boot on the host, broken down: process start (spawn → Node bootstrapped),
// bundle parse (→ the bundle's first statement runs: runner.mjs read, its code compiled from the
// V8 code cache it carries, see packages/runner/src/boot), top level (→ main()), config read, SDK load
// (→ the conversation exists), and the first model request (stamped by a loopback proxy in front
// of the model double). `node scripts/bench/boot.mjs <bundle A> <bundle B> [runs]` compares two
// bundles by hand, interleaved (A, B, an empty node, and again), on the same load.
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startAnthropicDouble } from "@sandcaster/testkit";
import { buildRunnerSnapshot } from "../../packages/runner/src/boot/build-snapshot.mjs";
import { round, summary, withTimeout } from "./lib.mjs";

const RUN_TIMEOUT_MS = 60_000;
export const epochNow = () => performance.timeOrigin + performance.now();

/** Forwards to `target`, noting when each request arrived (epoch ms); listens on `host`. */
export async function stampingProxy(target, host = "127.0.0.1") {
  const arrivals = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    arrivals.push(epochNow());
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, host, resolve));
  const { port } = server.address();
  return {
    url: `http://${host}:${port}${upstream.pathname.replace(/\/$/, "")}`,
    takeFirst: () => arrivals.splice(0)[0],
    /** The first arrival at or after `epochMs` (and forgets all arrivals). */
    firstAfter: (epochMs) => arrivals.splice(0).find((at) => at >= epochMs),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function spawnTimed(command, args, env, cwd) {
  const spawnedAt = epochNow();
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c) => {
    stdout += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c) => {
    stderr += c;
  });
  const closed = withTimeout(
    new Promise((resolve) => child.once("close", (code) => resolve(code))),
    RUN_TIMEOUT_MS,
    "runner boot",
  ).catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });
  return closed.then((code) => ({ code, stdout, stderr, spawnedAt, exitedAt: epochNow() }));
}

/** One cold runner run; ms from spawn for each mark. */
async function bootOnce(bundlePath, proxy, dir, nodeArgs = []) {
  const config = join(dir, "config.json");
  await writeFile(
    config,
    JSON.stringify({ prompt: "Say done.", cwd: dir, provider: "anthropic", model: "haiku" }),
  );
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    ANTHROPIC_API_KEY: "sk-ant-bench-key",
    ANTHROPIC_BASE_URL: proxy.url,
    SANDCASTER_BOOT_TIMINGS: "1",
  };
  const out = await spawnTimed(
    process.execPath,
    [...nodeArgs, bundlePath, "--config", config],
    env,
    dir,
  );
  const firstRequest = proxy.takeFirst();
  if (out.code !== 0 || !out.stdout.includes('"type":"result"'))
    throw new Error(`runner failed (exit ${out.code}): ${out.stderr.slice(-400)}`);
  const line = out.stderr.split("\n").find((l) => l.startsWith("sandcaster-boot-timings "));
  const t = line ? JSON.parse(line.slice("sandcaster-boot-timings ".length)) : undefined;
  const at = (ms) => (t && ms !== undefined ? t.timeOrigin + ms - out.spawnedAt : Number.NaN);
  const cpu = (name) => t?.cpu?.[name] ?? Number.NaN;
  return {
    // The runner's part and the run's SDK part each carry their own cache (packages/runner/src/boot).
    codeCache: t ? `${t.codeCache}, SDK ${t.sdkCodeCache ?? "unreported"}` : "unreported",
    cpu: {
      bundleStart: cpu("bundleStart"),
      main: cpu("main"),
      config: cpu("config"),
      sdk: cpu("sdk"),
      exit: cpu("exit"),
    },
    bootstrapped: at(t?.bootstrapComplete),
    bundleStart: at(t?.bundleStart),
    main: at(t?.main),
    config: at(t?.config),
    sdk: at(t?.sdk),
    firstRequest: firstRequest - out.spawnedAt,
    exit: out.exitedAt - out.spawnedAt,
  };
}

/** An empty Node process, spawn → exit: what any runner costs before it reads a byte. */
async function emptyNode(dir) {
  const out = await spawnTimed(process.execPath, ["-e", "0"], { PATH: process.env.PATH }, dir);
  return out.exitedAt - out.spawnedAt;
}

const p50 = (runs, pick) => summary(runs.map(pick).filter(Number.isFinite)).p50;

/** p50s of a set of boots: first request, the breakdown, CPU, how the code caches were taken. */
function boots50(boots) {
  const phase = (from, to) => p50(boots, (b) => b[to] - b[from]);
  return {
    firstRequestMs: summary(boots.map((b) => b.firstRequest)),
    // How V8 took the runner's and the SDK's code caches in these runs ("accepted" on the Node
    // that built them).
    codeCache: boots.reduce((counts, b) => {
      counts[b.codeCache] = (counts[b.codeCache] ?? 0) + 1;
      return counts;
    }, {}),
    breakdownP50Ms: {
      processStart: round(p50(boots, (b) => b.bootstrapped)),
      bundleParse: round(phase("bootstrapped", "bundleStart")),
      topLevel: round(phase("bundleStart", "main")),
      configRead: round(phase("main", "config")),
      sdkLoad: round(phase("config", "sdk")),
      toFirstRequest: round(phase("sdk", "firstRequest")),
    },
    // CPU ms the runner process used up to each mark: what the boot costs, load aside.
    cpuP50Ms: {
      toBundleStart: round(p50(boots, (b) => b.cpu.bundleStart)),
      topLevel: round(p50(boots, (b) => b.cpu.main - b.cpu.bundleStart)),
      toMain: round(p50(boots, (b) => b.cpu.main)),
      configRead: round(p50(boots, (b) => b.cpu.config - b.cpu.main)),
      sdkLoad: round(p50(boots, (b) => b.cpu.sdk - b.cpu.config)),
      wholeRun: round(p50(boots, (b) => b.cpu.exit)),
    },
    exitMs: summary(boots.map((b) => b.exit)),
  };
}

/**
 * `runs` cold boots of `bundlePath`, interleaved with empty Node processes and, with `snapshot`,
 * with boots of the same file from a V8 startup snapshot of it (packages/runner/src/boot/
 * snapshot-entry.mjs; built here, not used by any provider yet): A/B on the same load.
 */
export async function runnerBoot(bundlePath, runs = 15, warmups = 2, { snapshot = true } = {}) {
  const double = await startAnthropicDouble({
    turns: Array.from({ length: 2 * (runs + warmups) + 2 }, () => ({ text: "done" })),
  });
  const proxy = await stampingProxy(double.url);
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-bench-boot-"));
  try {
    const blob = join(dir, "runner.blob");
    if (snapshot) await buildRunnerSnapshot({ runnerPath: bundlePath, blobPath: blob });
    const boots = [];
    const fromSnapshot = [];
    const empties = [];
    for (let i = 0; i < runs + warmups; i++) {
      const boot = await bootOnce(bundlePath, proxy, dir);
      const snap = snapshot
        ? await bootOnce(bundlePath, proxy, dir, ["--snapshot-blob", blob])
        : undefined;
      const empty = await emptyNode(dir);
      if (i >= warmups) {
        boots.push(boot);
        if (snap) fromSnapshot.push(snap);
        empties.push(empty);
      }
    }
    return {
      what: `cold runner (node runner.mjs --config …) on the host, anthropic double behind a stamping proxy; p50 of ${runs}, ms`,
      ...boots50(boots),
      emptyNodeProcessMs: summary(empties),
      ...(snapshot
        ? { fromSnapshot: { blobBytes: (await stat(blob)).size, ...boots50(fromSnapshot) } }
        : {}),
    };
  } finally {
    await proxy.close();
    await double.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** `runs` cold boots of each bundle, interleaved with each other and with empty Node processes. */
export async function compareBoots(bundleA, bundleB, runs = 15, warmups = 2) {
  const double = await startAnthropicDouble({
    turns: Array.from({ length: 2 * (runs + warmups) + 2 }, () => ({ text: "done" })),
  });
  const proxy = await stampingProxy(double.url);
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-bench-boot-"));
  try {
    const a = [];
    const b = [];
    const empties = [];
    for (let i = 0; i < runs + warmups; i++) {
      // Alternate which goes first, so neither side always follows the empty process.
      const first = i % 2 === 0 ? [bundleA, a] : [bundleB, b];
      const second = i % 2 === 0 ? [bundleB, b] : [bundleA, a];
      const one = await bootOnce(first[0], proxy, dir);
      const two = await bootOnce(second[0], proxy, dir);
      const empty = await emptyNode(dir);
      if (i >= warmups) {
        first[1].push(one);
        second[1].push(two);
        empties.push(empty);
      }
    }
    return {
      emptyNodeProcessMs: summary(empties),
      a: { bundle: bundleA, ...boots50(a) },
      b: { bundle: bundleB, ...boots50(b) },
    };
  } finally {
    await proxy.close();
    await double.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [bundleA, bundleB, runs] = process.argv
    .slice(2)
    .map((arg, i) => (i < 2 ? resolve(arg) : arg));
  if (!bundleA || !bundleB) {
    process.stderr.write("usage: node scripts/bench/boot.mjs <bundle A> <bundle B> [runs]\n");
    process.exit(2);
  }
  const result = await compareBoots(bundleA, bundleB, Number(runs ?? 15));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
