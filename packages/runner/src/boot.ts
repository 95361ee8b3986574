// Where a run's config comes from. Cold: a file named by --config. Pre-booted (a pooled sandbox's
// runner, started with --await-config): the first stdin line, sent by the host when a run takes
// the sandbox; meanwhile the runner loads every model SDK and rehearses its first model request
// (warm-up.ts), so the run finds them ready. Until that line it holds nothing of any run: no
// config, no token, no key.
import {
  AWAIT_CONFIG_FLAG,
  describeIssues,
  ERROR_CODES,
  RUNNER_READY_LINE,
  type RunnerConfig,
  RunnerStartSchema,
} from "@sandcaster/protocol";
import { RunnerError } from "./errors.js";
import { configPathFromArgs, loadConfig, resolveCwd } from "./load-config.js";

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
  // Off the run's clock. A rehearsal that fails leaves that part cold; an SDK that fails to load
  // fails again, visibly, when the run needs it. The run's own calls wait for what is still
  // loading (the module cache), so the run does not wait for the rehearsal to end.
  const configArrived = new AbortController();
  // Imported here, not at the top: a cold run never rehearses, and the rehearsal's server and ids
  // (node:http, node:crypto) cost every cold boot ~6 ms CPU (measured) before its first request.
  void import("./warm-up.js")
    .then(({ rehearseFirstRequest }) => rehearseFirstRequest(parseStart, configArrived.signal))
    .catch(() => undefined)
    .then(() => {
      // Only before a run's output: after the config it would be a stray line in the run's stream.
      if (!configArrived.signal.aborted) process.stdout.write(`${RUNNER_READY_LINE}\n`);
    });
  // Loaded here, not at the top: a cold run (config from a file) never reads stdin by line.
  const { createInterface } = await import("node:readline");
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  const startedAt = Date.now();
  configArrived.abort();
  if (first.done) {
    throw new RunnerError(ERROR_CODES.INVALID_CONFIG, "stdin ended before a run's config arrived");
  }
  const start = parseStart(first.value);
  for (const [name, value] of Object.entries(start.env)) process.env[name] = value;
  // The start line's schema holds the config's: it is checked once, here.
  const config = resolveCwd(start.config);
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
  // Not jitless (unlike load-config.ts): the rehearsal's parses compile zod's parser off the run's
  // clock, and the run's own parse then takes the compiled one.
  const parsed = RunnerStartSchema.safeParse(json);
  if (!parsed.success) {
    throw new RunnerError(
      ERROR_CODES.INVALID_CONFIG,
      `invalid start line: ${describeIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}
