// `sandcaster agents deploy <dir>`: packs the directory, uploads it as a new version and (unless
// --no-wait) waits for its build: active (exit 0) or failed (its failing step and output tail,
// exit 1). Progress goes to stderr; the outcome to stdout.
import type { AgentInfo, SandcasterClient } from "@sandcaster/sdk";
import { EXIT } from "../exit-codes.js";
import { safeJson, safeLine, safeText } from "../terminal/safe-text.js";
import { packAgentDirectory } from "./agents-archive.js";

const POLL_MS = 1000;

export interface DeploySettings {
  wait: boolean;
  timeoutSecs: number;
  json: boolean;
}

/** The version a deploy created: the highest number in its answer. */
function newestVersion(info: AgentInfo): number {
  return Math.max(0, ...info.versions.map((v) => v.version));
}

export async function deployAgentCommand(
  client: SandcasterClient,
  dir: string,
  settings: DeploySettings,
): Promise<number> {
  const packed = await packAgentDirectory(dir);
  const name = packed.manifest.name;
  for (const path of packed.skipped)
    process.stderr.write(`${safeLine(`skipped ${path} (not a file or directory)`)}\n`);
  const kib = Math.ceil(packed.archive.length / 1024);
  process.stderr.write(`${safeLine(`uploading ${name}: ${packed.files} files, ${kib} KiB`)}\n`);
  let info = await client.agents.deploy({ manifest: packed.manifest, archive: packed.archive });
  const version = newestVersion(info);
  process.stderr.write(`${safeLine(`${name} v${version}: building`)}\n`);
  const deadline = Date.now() + settings.timeoutSecs * 1000;
  while (settings.wait && status(info, version) === "building") {
    if (Date.now() > deadline) {
      process.stderr.write(
        `${safeLine(`${name} v${version} still building after ${settings.timeoutSecs}s; follow it with: sandcaster agents show ${name}`)}\n`,
      );
      return EXIT.failed;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    info = await client.agents.get(name);
  }
  const outcome = status(info, version);
  if (settings.json) console.log(safeJson(info));
  else if (outcome === "building") console.log(safeLine(`${name} v${version} building`));
  else if (outcome === "active")
    console.log(safeLine(`${name} v${version} active: sandcaster agents invoke ${name} "…"`));
  if (outcome !== "failed") return EXIT.ok;
  const failure = info.versions.find((v) => v.version === version)?.failure;
  process.stderr.write(
    safeText(
      `${name} v${version} failed${failure ? ` at ${failure.step} (exit ${failure.exitCode ?? "-"}): ${failure.message}\n${failure.outputTail}` : ""}\n`,
    ),
  );
  return EXIT.failed;
}

function status(info: AgentInfo, version: number): string {
  return info.versions.find((v) => v.version === version)?.status ?? info.status;
}
