// A fresh temp dir per test, named after the suite so leftovers say where they came from.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function tempDir(suite: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `sandcaster-cli-${suite}-`));
}
