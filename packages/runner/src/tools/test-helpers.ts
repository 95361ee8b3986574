// Temp working directories and a ToolContext for the tools' tests.
import { mkdir, mkdtemp, realpath, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ToolContext } from "./tool.js";

export interface Sandbox {
  /** Real path of a fresh working directory. */
  cwd: string;
  /** A sibling directory outside cwd, for escape attempts. */
  outside: string;
  context(overrides?: Partial<ToolContext>): ToolContext;
  cleanup(): Promise<void>;
}

export async function makeSandbox(): Promise<Sandbox> {
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), "sandcaster-tools-")));
  const cwd = path.join(base, "work");
  const outside = path.join(base, "outside");
  await mkdir(cwd);
  await mkdir(outside);
  return {
    cwd,
    outside,
    context: (overrides) => ({
      cwd,
      signal: new AbortController().signal,
      outputLimitChars: 20_000,
      bashTimeoutMs: 30_000,
      ...overrides,
    }),
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}
