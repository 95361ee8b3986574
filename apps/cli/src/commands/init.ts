// `sandcaster init [starter]`: writes a commented sandcaster.json and a .env.example to start from.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { UsageError } from "../exit-codes.js";
import { DEFAULT_STARTER, STARTERS } from "../init/starters.js";
import { parseFlags } from "../parse-flags.js";

const names = Object.keys(STARTERS);
const HELP = `usage: sandcaster init [starter] [--dir DIR] [--force]

Writes sandcaster.json (every field explained in comments) and .env.example (the keys it needs).

Starters:
${names.map((n) => `  ${n.padEnd(9)}${STARTERS[n]?.summary}${n === DEFAULT_STARTER ? " (default)" : ""}`).join("\n")}

  --dir DIR   where to write (default: the current directory)
  --force     overwrite files that exist (otherwise init refuses and writes nothing)`;

export async function initCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("init", argv, {
    dir: { type: "string", default: "." },
    force: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length > 1)
    throw new UsageError(`one starter at most, got ${positionals.join(" ")}`, "init");
  const name = positionals[0] ?? DEFAULT_STARTER;
  const starter = STARTERS[name];
  if (!starter)
    throw new UsageError(`unknown starter "${name}"; choose one of ${names.join(", ")}`, "init");

  const files = [
    { path: join(values.dir, "sandcaster.json"), text: starter.config },
    { path: join(values.dir, ".env.example"), text: starter.env },
  ];
  const shown = (path: string) => relative(process.cwd(), path) || path;
  const existing = files.filter((f) => existsSync(f.path));
  if (existing.length > 0 && !values.force) {
    process.stderr.write(
      `sandcaster init: ${existing.map((f) => shown(f.path)).join(" and ")} already ` +
        `exist${existing.length === 1 ? "s" : ""}; nothing written (--force overwrites)\n`,
    );
    return 1;
  }
  await mkdir(values.dir, { recursive: true });
  for (const file of files) {
    await writeFile(file.path, file.text);
    console.log(`wrote ${shown(file.path)}`);
  }
  console.log(`
Starter "${name}": ${starter.summary}.
Next: cp .env.example .env and fill in the key (sandcaster reads ./.env itself), then
  sandcaster doctor
  sandcaster query "Write hello.py that prints hello, then run it"`);
  return 0;
}
