// Where a run's config comes from. Cold: a file named by --config. Pre-booted (a pooled sandbox's
// runner, started with --await-config): the first stdin line, sent by the host when a run takes
// the sandbox; meanwhile the runner loads every model SDK and warms fetch, so the run finds them
// ready. Until that line it holds nothing of any run: no config, no token, no key.
import { createInterface } from "node:readline";
import {
  AWAIT_CONFIG_FLAG,
  describeIssues,
  ERROR_CODES,
  type RunnerConfig,
  RunnerStartSchema,
} from "@sandcaster/protocol";
import { RunnerError } from "./errors.js";
import { checkConfig, configPathFromArgs, loadConfig } from "./load-config.js";
import { loadAllAdapters } from "./models/sdk-loaders.js";
import { warmFetch } from "./warm-fetch.js";

export interface Booted {
  config: RunnerConfig;
  /** When the run began for this process: the config's arrival (ms since the epoch). */
  startedAt: number;
  /** The rest of stdin (the host channel's answers) when stdin already carried the config. */
  stdinLines?: AsyncIterable<string>;
}

export async function bootConfig(args: readonly string[]): Promise<Booted> {
  if (!args.includes(AWAIT_CONFIG_FLAG)) {
    const config = await loadConfig(configPathFromArgs(args));
    return { config, startedAt: Date.now() };
  }
  // Off the run's clock; an SDK that fails to load fails again, visibly, when the run needs it,
  // and a fetch that cannot warm up (no loopback) is simply cold.
  const preloaded = Promise.all([
    loadAllAdapters().catch(() => undefined),
    warmFetch().catch(() => undefined),
  ]);
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  const startedAt = Date.now();
  if (first.done) {
    throw new RunnerError(ERROR_CODES.INVALID_CONFIG, "stdin ended before a run's config arrived");
  }
  const start = parseStart(first.value);
  for (const [name, value] of Object.entries(start.env)) process.env[name] = value;
  const config = await checkConfig(start.config);
  await preloaded;
  return { config, startedAt, stdinLines: { [Symbol.asyncIterator]: () => iterator } };
}

function parseStart(line: string) {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    throw new RunnerError(
      ERROR_CODES.INVALID_CONFIG,
      `the run's start line is not valid JSON: ${(error as Error).message}`,
    );
  }
  const parsed = RunnerStartSchema.safeParse(json);
  if (!parsed.success) {
    throw new RunnerError(
      ERROR_CODES.INVALID_CONFIG,
      `invalid start line: ${describeIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}
