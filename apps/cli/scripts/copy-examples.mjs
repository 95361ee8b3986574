// Build step: copies the starters listed in examples/starters.json into dist/examples/, so that
// `sandcaster init <starter>` scaffolds from the same files as the repository's examples/ folder,
// in the repository and in the packed CLI alike (npm cannot ship files from outside the package).
import { cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// Usage: node scripts/copy-examples.mjs [examples-dir target-dir]  (default: the build's)
const dirUrl = (path) => pathToFileURL(path.endsWith("/") ? path : `${path}/`);
const [sourceArg, targetArg] = process.argv.slice(2);
const source = sourceArg ? dirUrl(sourceArg) : new URL("../../../examples/", import.meta.url);
const target = targetArg ? dirUrl(targetArg) : new URL("../dist/examples/", import.meta.url);
const index = JSON.parse(readFileSync(new URL("starters.json", source), "utf8"));

/**
 * What trying an example in the repository leaves in its folder must never ship: a filled-in .env
 * (real keys), the run's ./out, installed dependencies.
 */
const LEFT_BY_A_RUN = /(^|\/)(\.env(?!\.example$)[^/]*|out|node_modules)$/;

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
cpSync(new URL("starters.json", source), new URL("starters.json", target));
for (const name of Object.keys(index)) {
  const from = new URL(`${name}/`, source);
  cpSync(from, new URL(`${name}/`, target), {
    recursive: true,
    filter: (path) => !LEFT_BY_A_RUN.test(relative(fileURLToPath(from), path)),
  });
}
