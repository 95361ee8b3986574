// The project starters `sandcaster init <starter>` scaffolds: the repository's examples/ folder,
// which the CLI's build copies into dist/examples/ (scripts/copy-examples.mjs).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface ProjectStarter {
  name: string;
  /** One line for `init --list`. */
  summary: string;
  /** The example's folder: everything in it is copied. */
  dir: string;
}

const EXAMPLES = new URL("../examples/", import.meta.url);

/** The starters in examples/starters.json order; none when the build did not copy them. */
export function projectStarters(): ProjectStarter[] {
  let index: Record<string, string>;
  try {
    index = JSON.parse(readFileSync(new URL("starters.json", EXAMPLES), "utf8"));
  } catch {
    return [];
  }
  return Object.entries(index).map(([name, summary]) => ({
    name,
    summary,
    dir: fileURLToPath(new URL(`${name}/`, EXAMPLES)),
  }));
}
