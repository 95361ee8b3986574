// Bundles the runner into ONE self-contained ESM file that needs only Node builtins at run time.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/runner.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node18",
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
  // Some bundled CommonJS dependencies call require() for builtins; give ESM a require.
  banner: {
    js: [
      "#!/usr/bin/env node",
      'import { createRequire as __sandcasterCreateRequire } from "node:module";',
      "const require = __sandcasterCreateRequire(import.meta.url);",
    ].join("\n"),
  },
});
