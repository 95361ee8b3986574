// What `sandcaster serve` prints: readable one-line logs and a start banner for a person at a
// terminal, JSON lines (one object a line, no banner on stdout) for a log collector.
import { createLogger } from "@sandcaster/api";
import { PROVIDER_KEY_VARS } from "@sandcaster/protocol";
import type { Logger } from "pino";
import pretty from "pino-pretty";

export type LogFormat = "json" | "pretty";

/** --log-format, else SANDCASTER_LOG_FORMAT, else pretty on a terminal and JSON otherwise. */
export function chooseLogFormat(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  isTTY: boolean,
): LogFormat {
  const asked = flag ?? (env.SANDCASTER_LOG_FORMAT || undefined);
  if (asked === undefined) return isTTY ? "pretty" : "json";
  if (asked === "json" || asked === "pretty") return asked;
  const from = flag !== undefined ? "--log-format" : "SANDCASTER_LOG_FORMAT";
  throw new Error(`${from}: "${asked}" is not a log format (json or pretty)`);
}

/**
 * The server's logger. Redaction happens in pino before either format sees the entry, so the
 * pretty lines hide keys exactly as the JSON ones do.
 */
export function serveLogger(format: LogFormat, colors: boolean): Logger {
  if (format === "json") return createLogger();
  return createLogger({
    destination: pretty({
      colorize: colors,
      singleLine: true,
      translateTime: "SYS:HH:MM:ss",
      ignore: "pid,hostname,service",
      // Synchronous: a line is on the screen before the next one, and none is lost at exit.
      sync: true,
    }),
  });
}

export interface BannerFacts {
  version: string;
  url: string;
  /** The provider a request that names none gets, or why there is none. */
  sandbox: string;
  env: NodeJS.ProcessEnv;
}

/** The start banner: where the console and the docs are, and what the server runs with (key NAMES only). */
export function banner(facts: BannerFacts): string {
  const keys = Object.values(PROVIDER_KEY_VARS)
    .flat()
    .filter((name) => facts.env[name]);
  const base = facts.url.replace(/\/$/, "");
  const lines = [
    `Sandcaster ${facts.version} listening on ${base}`,
    `  console      ${base}/`,
    `  API docs     ${base}/docs`,
    `  sandbox      ${facts.sandbox}`,
    `  model keys   ${keys.length ? keys.join(", ") : "none set (requests must send apiKeys)"}`,
    `  auth         ${facts.env.SANDCASTER_API_KEY ? "bearer token (SANDCASTER_API_KEY)" : "off (set SANDCASTER_API_KEY to require a token)"}`,
    "",
  ];
  return `${lines.join("\n")}\n`;
}
