// Loads ./.env (in the working directory) at start, as most tools do. Precedence, highest first:
// flags, the real environment, .env, sandcaster.json, built-in defaults — a variable already set
// is never replaced by the file. Parsed by node's own util.parseEnv (Node ≥ 20.12).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as util from "node:util";

type ParseEnv = (text: string) => Record<string, string>;

/** The names taken from the file (none when there is no .env). */
export function loadDotEnv(
  dir: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  let text: string;
  try {
    text = readFileSync(join(dir, ".env"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new Error(`cannot read .env: ${(error as Error).message}`);
  }
  const parseEnv = (util as { parseEnv?: ParseEnv }).parseEnv;
  if (!parseEnv) throw new Error(".env needs Node 20.12 or newer to be read (util.parseEnv)");
  const loaded: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    loaded.push(name);
  }
  return loaded;
}
