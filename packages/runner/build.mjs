// Bundles the runner into ONE self-contained ESM file that needs only Node builtins at run time:
// dist/runner.mjs, holding the bundled code, each model SDK's code apart, and V8's code cache for
// each (src/boot/code-cache-file.mjs, src/boot/sdk-chunks.mjs).
import { mkdir, writeFile } from "node:fs/promises";
import { build } from "esbuild";
import { RUNNER_PART, runnerFile } from "./src/boot/code-cache-file.mjs";
import { makeCodeCaches } from "./src/boot/make-code-cache.mjs";
import { BUNDLE_OPTIONS, buildSdkParts, sdkStandIns } from "./src/boot/sdk-chunks.mjs";
import { builtInToolSchemas, TOOL_SCHEMAS_CONSTANT } from "./src/boot/tool-schemas.mjs";
import { unusedSchemasRemovable } from "./src/boot/unused-schemas.mjs";

const OUT = "dist/runner.mjs";
const OUT_PATH = new URL(OUT, import.meta.url).pathname;

// The runner's source imports the protocol's public root; its bundle takes the runner's slice
// (protocol/src/runner.ts), so the server-side schemas are neither shipped nor built at startup.
// A value missing from the slice fails this build ("No matching export"), never a run.
const protocolRunnerSlice = {
  name: "protocol-runner-slice",
  setup(bundle) {
    bundle.onResolve({ filter: /^@sandcaster\/protocol$/ }, (args) =>
      bundle.resolve("@sandcaster/protocol/runner", {
        kind: args.kind,
        resolveDir: args.resolveDir,
      }),
    );
  },
};

const RUNNER_DIR = new URL(".", import.meta.url).pathname;
const sdkParts = await buildSdkParts(build, RUNNER_DIR);
const toolSchemas = await builtInToolSchemas(build, BUNDLE_OPTIONS, RUNNER_DIR);
const bundled = await build({
  ...BUNDLE_OPTIONS,
  entryPoints: ["src/main.ts"],
  outfile: OUT,
  define: { [TOOL_SCHEMAS_CONSTANT]: JSON.stringify(toolSchemas) },
  // Dynamic imports (the adapters, see models/sdk-loaders.ts) stay in this one file: without
  // `splitting`, esbuild inlines them as modules evaluated on first import(). Their SDKs are
  // parts of their own (sdk-chunks.mjs).
  plugins: [
    ...BUNDLE_OPTIONS.plugins,
    protocolRunnerSlice,
    unusedSchemasRemovable,
    sdkStandIns(sdkParts),
  ],
  banner: {
    // For the bench's boot breakdown (boot-timings.ts): the bundle is compiled once this runs.
    js: [
      "globalThis.__sandcasterBundleStart = Number(process.hrtime.bigint()) / 1e6;",
      "globalThis.__sandcasterBundleCpu = (({ user, system }) => (user + system) / 1000)(process.cpuUsage());",
    ].join("\n"),
  },
});
// `import { z } from "zod"` (in the runner or a protocol module it takes) makes esbuild build zod's
// namespace objects at the top level and keep all they reach (~80 KB of code and ~570 getters on
// every cold boot, measured); `import * as z from "zod"` links each z.x directly.
if (bundled.outputFiles[0].text.includes("__export(external_exports,"))
  throw new Error(
    'the runner bundle builds zod\'s namespace: import zod as `import * as z from "zod"`',
  );
const codes = new Map([[RUNNER_PART, bundled.outputFiles[0].text]]);
for (const [id, part] of sdkParts) codes.set(`sdk:${id}`, part.code);

// First without caches, run once per model family to make them, then the same code with them
// (a cache is valid only for its part's exact code).
// esbuild wrote nothing (write: false): on a fresh clone dist/ does not exist yet.
await mkdir(new URL("dist/", import.meta.url), { recursive: true });
await writeFile(OUT, runnerFile(codes));
const caches = await makeCodeCaches(OUT_PATH);
for (const name of codes.keys())
  if (!caches.has(name)) throw new Error(`no code cache run compiled the ${name} part`);
await writeFile(OUT, runnerFile(codes, caches));
