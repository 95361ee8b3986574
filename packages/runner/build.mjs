// Bundles the runner into ONE self-contained ESM file that needs only Node builtins at run time:
// dist/runner.mjs, holding the bundled code and V8's code cache for it (src/boot/code-cache-file.mjs).
import { mkdir, writeFile } from "node:fs/promises";
import { build } from "esbuild";
import { runnerFile } from "./src/boot/code-cache-file.mjs";
import { makeCodeCache } from "./src/boot/make-code-cache.mjs";

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

const bundled = await build({
  entryPoints: ["src/main.ts"],
  write: false,
  outfile: OUT,
  bundle: true,
  platform: "node",
  // CommonJS: the body is compiled as a script (node:vm) with its code cache; ESM has no
  // code-cache API on Node 20. Dynamic imports of builtins become require() for the same reason.
  format: "cjs",
  supported: { "dynamic-import": false },
  target: "node18",
  // Dynamic imports (the model SDKs, see models/sdk-loaders.ts) stay in this one file: without
  // `splitting`, esbuild inlines them as modules evaluated on first import().
  // (Full minification was measured too: 30 % smaller, no measurable gain in boot CPU.)
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
  plugins: [protocolRunnerSlice],
  banner: {
    // For the bench's boot breakdown (boot-timings.ts): the bundle is compiled once this runs.
    js: [
      "globalThis.__sandcasterBundleStart = performance.now();",
      "globalThis.__sandcasterBundleCpu = (({ user, system }) => (user + system) / 1000)(process.cpuUsage());",
    ].join("\n"),
  },
});
const body = bundled.outputFiles[0].text;

// First without a cache, run once to make it, then the same body with it (the cache is valid
// only for this exact body).
// esbuild wrote nothing (write: false): on a fresh clone dist/ does not exist yet.
await mkdir(new URL("dist/", import.meta.url), { recursive: true });
await writeFile(OUT, runnerFile(body, undefined));
const cache = await makeCodeCache(OUT_PATH);
await writeFile(OUT, runnerFile(body, cache));
