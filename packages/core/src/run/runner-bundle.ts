// Loads the runner bundle that is copied into every sandbox; read once per process.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

let cached: Promise<Uint8Array> | undefined;

export function runnerBundlePath(): string {
  return fileURLToPath(import.meta.resolve("@sandcaster/runner/bundle"));
}

export function loadRunnerBundle(): Promise<Uint8Array> {
  cached ??= readFile(runnerBundlePath()).catch((error: unknown) => {
    cached = undefined;
    throw new Error(
      `runner bundle missing at ${runnerBundlePath()}: run \`npm run build\` (${String(error)})`,
    );
  });
  return cached;
}
