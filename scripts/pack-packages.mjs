#!/usr/bin/env node
// Packs @sandcaster/sdk and @sandcaster/cli into tarballs that install anywhere, offline included:
// `npm pack` alone cannot, because they import unpublished workspaces (@sandcaster/protocol, …).
//
// Each tarball carries its whole runtime closure as bundleDependencies — the workspaces it imports
// and their third-party packages, copied from this repository's installed tree with the same
// nesting — so `npm install ./sandcaster-sdk-0.1.0.tgz` needs no registry and no repository.
// Why not one esbuild file: pino's worker transports, better-sqlite3's native addon and the
// console's static files need real package directories; and the SDK's types must resolve.
//
// Usage: node scripts/pack-packages.mjs [out-dir]  (default: ./dist-packages; build first)
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The packages published from this repository, and where they live. */
const PACKED = { "@sandcaster/sdk": "packages/sdk", "@sandcaster/cli": "apps/cli" };
/** Workspaces shipped as one self-contained bundle: their own dependencies are inside it. */
const SELF_CONTAINED = new Set(["@sandcaster/runner"]);

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

/** Every workspace, by package name → real directory. */
function workspaces() {
  const found = new Map();
  for (const group of ["packages", "apps"]) {
    const dir = join(ROOT, group);
    for (const name of execFileSync("ls", [dir], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)) {
      const manifest = join(dir, name, "package.json");
      if (existsSync(manifest)) found.set(readJson(manifest).name, join(dir, name));
    }
  }
  return found;
}

/** Node's lookup: the nearest `node_modules/<name>` from `fromDir` upwards, as a real directory. */
function lookup(fromDir, name) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json")))
      return { at: dir, dir: realpathSync(candidate) };
    if (dir === dirname(dir)) return undefined;
  }
}

/** Stages the package with its closure in a temp dir, packs it into outDir, removes the stage. */
function packPackage(name, outDir) {
  const stage = mkdtempSync(join(tmpdir(), "sandcaster-pack-"));
  try {
    return stagePackage(name, stage, outDir);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function stagePackage(name, stage, outDir) {
  const spaces = workspaces();
  const packedDir = join(ROOT, PACKED[name]);
  /** real directory → its path inside the staged package ("" is the package itself). */
  const placed = new Map([[packedDir, ""]]);
  const placeOf = (at, dep) => {
    if (at === ROOT || at === packedDir) return join("node_modules", dep);
    const parent = placed.get(at) ?? placed.get(realpathSync(at));
    if (parent === undefined) throw new Error(`cannot place ${dep} found under ${at}`);
    return join(parent, "node_modules", dep);
  };
  /** staged path → the real directory copied there */
  const occupied = new Map();
  const queue = [packedDir];
  const versions = {};
  while (queue.length > 0) {
    const dir = queue.shift();
    const manifest = readJson(join(dir, "package.json"));
    if (SELF_CONTAINED.has(manifest.name)) continue;
    const deps = { ...manifest.dependencies, ...manifest.optionalDependencies };
    for (const dep of Object.keys(deps)) {
      const found = lookup(dir, dep);
      if (!found) {
        if (manifest.optionalDependencies?.[dep]) continue;
        throw new Error(`${manifest.name} needs ${dep}, which is not installed: run npm ci first`);
      }
      const target = placeOf(found.at, dep);
      if (dir === packedDir) versions[dep] = readJson(join(found.dir, "package.json")).version;
      const holder = occupied.get(target);
      if (holder !== undefined && holder !== found.dir) {
        throw new Error(`two versions of ${dep} would share ${target}: ${holder}, ${found.dir}`);
      }
      if (placed.has(found.dir)) continue;
      placed.set(found.dir, target);
      occupied.set(target, found.dir);
      copyPackage(found.dir, join(stage, target), spaces);
      queue.push(found.dir);
    }
  }
  const own = readJson(join(packedDir, "package.json"));
  copyFiles(packedDir, stage, own);
  const staged = { ...own };
  delete staged.devDependencies;
  delete staged.scripts;
  staged.dependencies = versions;
  staged.bundleDependencies = Object.keys(versions).sort();
  writeFileSync(join(stage, "package.json"), `${JSON.stringify(staged, null, 2)}\n`);
  mkdirSync(outDir, { recursive: true });
  const file = execFileSync("npm", ["pack", "--silent", "--pack-destination", outDir], {
    cwd: stage,
    encoding: "utf8",
  }).trim();
  return join(outDir, file.split("\n").at(-1));
}

/** A workspace ships its published files; a third-party package ships all but its own node_modules. */
function copyPackage(from, to, spaces) {
  const manifest = readJson(join(from, "package.json"));
  if (spaces.get(manifest.name) === from) {
    const copy = { ...manifest };
    delete copy.devDependencies;
    delete copy.scripts;
    if (SELF_CONTAINED.has(manifest.name)) delete copy.dependencies;
    copyFiles(from, to, manifest);
    writeFileSync(join(to, "package.json"), `${JSON.stringify(copy, null, 2)}\n`);
    return;
  }
  cpSync(from, to, {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const rel = relative(from, src);
      return (
        !rel.split(sep).includes("node_modules") && !rel.startsWith(`build${sep}Release${sep}obj`)
      );
    },
  });
  // A native addon's built binary is not in its `files` (npm rebuilds it at install time, which
  // needs a network or a compiler): list it, so the tarball also works offline on this Node ABI.
  const built = existsSync(join(from, "binding.gyp")) && existsSync(join(from, "build", "Release"));
  if (built && Array.isArray(manifest.files)) {
    const copy = { ...manifest, files: [...manifest.files, "build/Release/*.node"] };
    writeFileSync(join(to, "package.json"), `${JSON.stringify(copy, null, 2)}\n`);
  }
}

/** package.json, README, CHANGELOG, LICENSE and the `files` entries of a workspace. */
function copyFiles(from, to, manifest) {
  mkdirSync(to, { recursive: true });
  const entries = [...(manifest.files ?? []), "README.md", "CHANGELOG.md", "LICENSE"];
  for (const entry of entries) {
    const src = join(from, entry);
    if (existsSync(src)) cpSync(src, join(to, entry), { recursive: true, dereference: true });
  }
}

const outDir = resolve(process.argv[2] ?? join(ROOT, "dist-packages"));
for (const name of Object.keys(PACKED)) console.log(packPackage(name, outDir));
