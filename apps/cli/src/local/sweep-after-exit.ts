// Started (detached) by a CLI that quits at once on a second Ctrl-C during an in-process run: it
// outlives the CLI, waits for it to be gone (its sandbox processes die with it), then removes what
// its sandboxes left (dirs, mounts, cgroups, containers) with the same orphan sweep `serve` runs
// at start. Without it, they stayed until the next server started on this machine.
//
// argv: <pid of the CLI> [config path]. The environment is the CLI's own (its store, its dirs).
import { isProcessAlive } from "@sandcaster/core";
import pino from "pino";
import { buildServices, sweepOrphans } from "../build-services.js";

/** How long the CLI may take to be gone before we give up (the next `serve` sweeps then). */
const WAIT_FOR_EXIT_MS = 30_000;

async function main(): Promise<void> {
  const [pidArg, configPath] = process.argv.slice(2);
  const pid = Number(pidArg);
  if (!Number.isSafeInteger(pid) || pid <= 0) return;
  const deadline = Date.now() + WAIT_FOR_EXIT_MS;
  // A zombie (exited, not yet reaped) counts as gone: its sandbox processes died with it.
  while (await isProcessAlive(pid)) {
    if (Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Nobody reads our output: the sweep's own warnings go nowhere.
  const logger = pino({ level: "silent" });
  const built = await buildServices({ configPath, logger, env: process.env });
  try {
    await sweepOrphans(built.providers, logger);
  } finally {
    await built.close();
  }
}

void main().catch(() => undefined);
