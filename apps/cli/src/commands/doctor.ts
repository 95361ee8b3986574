// `sandcaster doctor`: checks node, the sandbox providers, model keys, E2B and the run store, each
// with a time limit; exit 0 when the chosen sandbox provider and a model key work.
import { existsSync } from "node:fs";
import { loadConfig, runnerBundlePath } from "@sandcaster/core";
import { type SandcasterConfig, SandcasterConfigSchema } from "@sandcaster/protocol";
import { type CheckResult, failing, probe } from "../doctor/check.js";
import { modelChecks } from "../doctor/model-checks.js";
import { probeBwrap } from "../doctor/probe-bwrap.js";
import { probeDocker } from "../doctor/probe-docker.js";
import { probeE2B } from "../doctor/probe-e2b.js";
import { probeStore } from "../doctor/probe-store.js";
import { doctorReport } from "../doctor/report.js";
import { chosenSandbox, sandboxChecks } from "../doctor/sandbox-checks.js";
import { EXIT } from "../exit-codes.js";
import { intFlag, parseFlags } from "../parse-flags.js";
import { colourEnabled, createPalette } from "../terminal/colours.js";

const HELP = `usage: sandcaster doctor [--json] [--config PATH] [--timeout SECS]

Checks this machine for running Sandcaster, one line each (✓ ok, ! warning, ✗ problem, – not used),
with the fix under anything that is not ok:

  node, config, runner    Node ≥ 20, sandcaster.json loads, the runner bundle is built
  docker, image           the daemon answers (DOCKER_HOST / docker.socketPath), the sandbox image exists
  bubblewrap              installed, and able to create a user namespace (the local sandbox)
  e2b                     E2B answers with E2B_API_KEY (E2B_API_URL / E2B_DOMAIN honoured)
  sandbox                 the provider a run would get, and whether it works
  anthropic … openrouter  which model keys are set (never their values)
  model                   the model runs would use has its key
  store                   DATABASE_URL or the SQLite file: reachable, migrations applied

  --json          the checks as JSON
  --timeout SECS  time limit of each check (default 5)

Exit codes: 0 when the chosen sandbox provider and a model key work (no ✗), 1 otherwise, 2 usage.`;

function nodeCheck(): CheckResult {
  const major = Number(process.versions.node.split(".")[0]);
  return major >= 20
    ? { id: "node", status: "ok", message: `v${process.versions.node}` }
    : {
        id: "node",
        status: "fail",
        message: `v${process.versions.node} is too old`,
        hint: "install Node.js 20 or newer",
      };
}

function runnerCheck(): CheckResult {
  let path = "@sandcaster/runner/bundle";
  try {
    path = runnerBundlePath();
    if (existsSync(path)) return { id: "runner", status: "ok", message: path };
  } catch {}
  return {
    id: "runner",
    status: "fail",
    message: `no runner bundle at ${path}`,
    hint: "npm run build",
  };
}

async function configCheck(
  path: string | undefined,
): Promise<{ config: SandcasterConfig; check: CheckResult }> {
  try {
    const { config, source } = await loadConfig(path);
    const message = source ?? "no sandcaster.json: built-in defaults";
    return { config, check: { id: "config", status: "ok", message } };
  } catch (error) {
    return {
      config: SandcasterConfigSchema.parse({}),
      check: {
        id: "config",
        status: "fail",
        message: (error as Error).message,
        hint: "fix the file, or write a fresh one with `sandcaster init --force`",
      },
    };
  }
}

export async function doctorCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags("doctor", argv, {
    json: { type: "boolean" },
    config: { type: "string" },
    timeout: { type: "string", default: "5" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const timeoutMs =
    (intFlag("doctor", "timeout", values.timeout, { min: 1, max: 120 }) ?? 5) * 1000;
  const env = process.env;
  const { config, check: config_ } = await configCheck(values.config ?? env.SANDCASTER_CONFIG);
  const dockerHint = "start Docker, or point DOCKER_HOST (or docker.socketPath) at its socket";
  const [docker, bwrap, e2b, store] = await Promise.all([
    probe(
      (signal) => probeDocker(config, env, signal),
      timeoutMs,
      (why) => ({
        daemon: { ok: false, message: `Docker: ${why}`, hint: dockerHint },
        image: undefined,
      }),
    ),
    probe(
      (signal) => probeBwrap(signal, config.local.sandboxUser),
      timeoutMs,
      failing("check that the kernel allows user namespaces"),
    ),
    env.E2B_API_KEY
      ? probe((signal) => probeE2B(env, signal), timeoutMs, failing("check the network"))
      : undefined,
    probe(
      () => probeStore(config, env, timeoutMs),
      timeoutMs,
      failing("check DATABASE_URL / SANDCASTER_DB"),
    ),
  ]);
  const chosen = chosenSandbox(config, env, docker.daemon.ok);
  const storeWarn = (store as { warn?: boolean }).warn === true;
  const checks: CheckResult[] = [
    nodeCheck(),
    config_,
    runnerCheck(),
    ...sandboxChecks(config, chosen, { docker, bwrap, e2b }),
    ...modelChecks(config, env),
    {
      id: "store",
      status: store.ok ? "ok" : storeWarn ? "warn" : "fail",
      message: store.message,
      ...(store.ok ? {} : { hint: store.hint }),
    },
  ];
  const ready = checks.every((c) => c.status !== "fail");
  if (values.json) {
    console.log(JSON.stringify({ ready, sandboxProvider: chosen.name, checks }, null, 2));
  } else {
    console.log(doctorReport(checks, createPalette(colourEnabled(process.stdout, env))));
  }
  // A probe that ignored its abort (a socket, a child) must not keep the answer waiting.
  setTimeout(() => process.exit(), 500).unref();
  return ready ? EXIT.ok : EXIT.failed;
}
