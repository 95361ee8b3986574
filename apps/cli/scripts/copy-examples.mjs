// Build step: copies the starters listed in examples/starters.json into dist/examples/, so that
// `sandcaster init <starter>` scaffolds from the same files as the repository's examples/ folder,
// in the repository and in the packed CLI alike (npm cannot ship files from outside the package).
import { cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";

const source = new URL("../../../examples/", import.meta.url);
const target = new URL("../dist/examples/", import.meta.url);
const index = JSON.parse(readFileSync(new URL("starters.json", source), "utf8"));

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
cpSync(new URL("starters.json", source), new URL("starters.json", target));
for (const name of Object.keys(index)) {
  cpSync(new URL(`${name}/`, source), new URL(`${name}/`, target), { recursive: true });
}
