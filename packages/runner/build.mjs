// Bundles the runner into ONE self-contained ESM file that needs only Node builtins at run time.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/runner.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node18",
  // Dynamic imports (the model SDKs, see models/sdk-loaders.ts) stay in this one file: without
  // `splitting`, esbuild inlines them as modules evaluated on first import().
  // (Full minification was measured too: 30 % smaller, no measurable gain in boot CPU.)
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
  // Some bundled CommonJS dependencies call require() for builtins; give ESM a require.
  banner: {
    js: [
      "#!/usr/bin/env node",
      // Node's fetch compiles its WASM HTTP parser with Liftoff, then V8 recompiles it with
      // TurboFan on a background thread, and process exit waits for that compile: ~0.8 s after
      // the result on a loaded 2-core host (the server waits for the exit). Liftoff alone is plenty.
      'import { setFlagsFromString as __sandcasterV8Flags } from "node:v8";',
      '__sandcasterV8Flags("--liftoff-only");',
      // For the bench's boot breakdown (boot-timings.ts): the bundle is parsed once this runs.
      "globalThis.__sandcasterBundleStart = performance.now();",
      "globalThis.__sandcasterBundleCpu = (({ user, system }) => (user + system) / 1000)(process.cpuUsage());",
      'import { createRequire as __sandcasterCreateRequire } from "node:module";',
      "const require = __sandcasterCreateRequire(import.meta.url);",
    ].join("\n"),
  },
});
