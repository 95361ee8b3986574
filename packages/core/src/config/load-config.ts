// Reads sandcaster.json (comments and trailing commas allowed); a bad file stops the server with
// every offending key path named.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  describeIssues,
  type SandcasterConfig,
  SandcasterConfigSchema,
} from "@sandcaster/protocol";
import { stripJsonComments } from "./strip-json-comments.js";

export class ConfigError extends Error {
  readonly code = "INVALID_CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * `path` given (flag or SANDCASTER_CONFIG): it must exist. Otherwise ./sandcaster.json is used when
 * present, and built-in defaults when not.
 */
export async function loadConfig(
  path: string | undefined,
  cwd = process.cwd(),
): Promise<{
  config: SandcasterConfig;
  source: string | undefined;
}> {
  const explicit = path !== undefined;
  const file = resolve(cwd, path ?? "sandcaster.json");
  if (!explicit && !existsSync(file))
    return { config: SandcasterConfigSchema.parse({}), source: undefined };
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(stripJsonComments(text));
  } catch (error) {
    throw new ConfigError(`config ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = SandcasterConfigSchema.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(`invalid config ${file}: ${describeIssues(parsed.error)}`);
  return { config: parsed.data, source: file };
}
