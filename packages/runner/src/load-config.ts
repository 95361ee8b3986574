// Reads and validates the runner's JSON config; every failure is an INVALID_CONFIG RunnerError.
import { readFileSync, realpathSync, statSync } from "node:fs";
import {
  describeIssues,
  ERROR_CODES,
  type RunnerConfig,
  RunnerConfigSchema,
} from "@sandcaster/protocol";
import { RunnerError } from "./errors.js";

const USAGE = "usage: node runner.mjs --config <config.json>";

export function configPathFromArgs(args: readonly string[]): string {
  const flag = args.indexOf("--config");
  const path = flag >= 0 ? args[flag + 1] : args.find((a) => !a.startsWith("-"));
  if (!path)
    throw new RunnerError(ERROR_CODES.INVALID_CONFIG, "no config file given", { hint: USAGE });
  return path;
}

export async function loadConfig(path: string): Promise<RunnerConfig> {
  let text: string;
  try {
    // Synchronous, as resolveCwd: nothing else runs meanwhile, and fs/promises' readFile is four
    // thread-pool round trips (open, stat, read, close), each a wait on a busy host.
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new RunnerError(
      ERROR_CODES.INVALID_CONFIG,
      `cannot read config ${path}: ${(error as Error).message}`,
      {
        hint: USAGE,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RunnerError(
      ERROR_CODES.INVALID_CONFIG,
      `config ${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
  return checkConfig(json);
}

/** Validates a parsed config (the --config file's) and resolves its cwd. */
export async function checkConfig(json: unknown): Promise<RunnerConfig> {
  // jitless: zod would compile a parser for each object schema (new Function) on this first
  // parse, a cost a one-shot parse never earns back.
  const parsed = RunnerConfigSchema.safeParse(json, { jitless: true });
  if (!parsed.success) {
    throw new RunnerError(
      ERROR_CODES.INVALID_CONFIG,
      `invalid config: ${describeIssues(parsed.error)}`,
    );
  }
  return resolveCwd(parsed.data);
}

/**
 * The config's cwd, checked to be a directory and resolved (a validated config's last check).
 * Synchronous: the runner has nothing else to do meanwhile, and on a busy host the thread pool's
 * round trips cost a pooled run's first request milliseconds.
 */
export function resolveCwd(config: RunnerConfig): RunnerConfig {
  try {
    if (!statSync(config.cwd).isDirectory()) throw new Error("not a directory");
    config.cwd = realpathSync(config.cwd);
  } catch (error) {
    throw new RunnerError(
      ERROR_CODES.INVALID_CONFIG,
      `invalid config: cwd: ${config.cwd} is not a usable directory (${(error as Error).message})`,
    );
  }
  return config;
}
