// `sandcaster init [starter] [dir]`: a commented sandcaster.json and .env.example (config starters),
// or a runnable example project copied from examples/ (project starters); `--list` shows both.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { UsageError } from "../exit-codes.js";
import { DEFAULT_STARTER, STARTERS, type Starter } from "../init/starters.js";
import { parseFlags } from "../parse-flags.js";
import { type ProjectStarter, projectStarters } from "../starters/catalog.js";
import { scaffoldStarter } from "../starters/scaffold.js";
import { didYouMean } from "../terminal/did-you-mean.js";

const configNames = Object.keys(STARTERS);

function starterList(projects: ProjectStarter[]): string {
  const width = Math.max(...[...configNames, ...projects.map((p) => p.name)].map((n) => n.length));
  const line = (name: string, summary: string) => `  ${name.padEnd(width + 2)}${summary}`;
  return [
    "Config starters (sandcaster.json with every field explained, and .env.example):",
    ...configNames.map((n) =>
      line(n, `${STARTERS[n]?.summary}${n === DEFAULT_STARTER ? " (default)" : ""}`),
    ),
    "",
    "Project starters (a runnable example: sandcaster.json, README.md, .env.example, its files):",
    ...projects.map((p) => line(p.name, p.summary)),
  ].join("\n");
}

const help = (projects: ProjectStarter[]) => `usage: sandcaster init [starter] [dir] [--force]
       sandcaster init --list

${starterList(projects)}

  dir         where to write: a config starter writes into the current directory, a project
              starter into ./<starter>; --dir DIR says the same
  --force     write over existing files (otherwise init refuses and writes nothing)
  --list      the starters, one line each`;

export async function initCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("init", argv, {
    dir: { type: "string" },
    force: { type: "boolean" },
    list: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  const projects = projectStarters();
  if (values.help || values.list) {
    console.log(values.help ? help(projects) : starterList(projects));
    return 0;
  }
  if (positionals.length > 2)
    throw new UsageError(`a starter and a directory at most, got ${positionals.join(" ")}`, "init");
  const name = positionals[0] ?? DEFAULT_STARTER;
  const dir = positionals[1] ?? values.dir;
  const force = values.force === true;
  const project = projects.find((p) => p.name === name);
  if (project) return initProject(project, dir ?? name, force);
  const config = STARTERS[name];
  if (config) return initConfig(name, config, dir ?? ".", force);
  const known = [...configNames, ...projects.map((p) => p.name)];
  throw new UsageError(
    `unknown starter "${name}"${didYouMean(name, known)}; choose one of ${known.join(", ")}`,
    "init",
  );
}

const shown = (path: string) => relative(process.cwd(), path) || path;

async function initConfig(
  name: string,
  starter: Starter,
  dir: string,
  force: boolean,
): Promise<number> {
  const files = [
    { path: join(dir, "sandcaster.json"), text: starter.config },
    { path: join(dir, ".env.example"), text: starter.env },
  ];
  const existing = files.filter((f) => existsSync(f.path));
  if (existing.length > 0 && !force) {
    process.stderr.write(
      `sandcaster init: ${existing.map((f) => shown(f.path)).join(" and ")} already ` +
        `exist${existing.length === 1 ? "s" : ""}; nothing written (--force overwrites)\n`,
    );
    return 1;
  }
  await mkdir(dir, { recursive: true });
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

async function initProject(starter: ProjectStarter, dir: string, force: boolean): Promise<number> {
  const outcome = await scaffoldStarter(starter, dir, force);
  if (!outcome.ok) {
    process.stderr.write(`sandcaster init: ${outcome.reason}\n`);
    return 1;
  }
  for (const path of outcome.written) console.log(`wrote ${shown(path)}`);
  const where = shown(dir);
  console.log(`
Starter "${starter.name}": ${starter.summary}.
Next: ${where === "." ? "" : `cd ${where}, then `}cp .env.example .env and fill in the keys it names;
${where === "." ? "" : `${where}/`}README.md shows the command that runs it.`);
  return 0;
}
