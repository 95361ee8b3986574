// Build time: each model family's SDK as its own part of runner.mjs (code-cache-file.mjs). A run
// imports one family's SDK (models/sdk-loaders.ts), and each part costs its unpacking and its text
// on every cold boot that compiles it, so the two SDKs a run never uses (~1.3 MB of the ~2.9 MB
// bundle for an Anthropic run) are left packed. The runner's bundle imports each SDK through a
// stand-in module that asks the loader for the part's exports on first use.
import { dirname, join } from "node:path";
import { SDK_GLOBAL } from "./code-cache-file.mjs";

/**
 * SDKs whose requests go through the runner's node:http fetch (src/http/): their global `Headers`
 * is replaced with the runner's, so a request does not load Node's fetch (undici). Google's SDK
 * also builds `Response` and `Request` objects of its own, so it keeps Node's fetch for now.
 */
const ON_NODE_HTTP = new Set(["@anthropic-ai/sdk", "openai"]);

/**
 * Each model family's part: the modules the adapters import it by (each maps to the part), and
 * what it is built from. Anthropic's holds its base client and the Messages resource only, which
 * is all the runner calls: the SDK's other resources (beta, files, skills, organization, …) were
 * ~70 % of the part's code, unpacked and compiled on every cold boot of an Anthropic run.
 */
export const SDK_PARTS = {
  "@anthropic-ai/sdk": {
    modules: ["@anthropic-ai/sdk", "@anthropic-ai/sdk/resources/messages/messages"],
    entry: [
      'export { BaseAnthropic } from "@anthropic-ai/sdk";',
      'export { Messages } from "@anthropic-ai/sdk/resources/messages/messages";',
    ].join("\n"),
  },
  openai: {
    modules: ["openai"],
    entry: 'export * from "openai"; export { default } from "openai";',
  },
  "@google/genai": { modules: ["@google/genai"], entry: 'export * from "@google/genai";' },
};

// zod's `z.locales` namespace re-exports all its ~50 locales: 300 KB, 40 % of the runner's part,
// unpacked on every cold boot. Nothing in the runner or its SDKs reads it (English, the default, is
// registered by zod's schemas themselves, not through it), so it keeps English only.
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(bundle) {
    bundle.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[/\\]zod[/\\]v4[/\\](classic|core)$/.test(args.resolveDir)
        ? { path: join(args.resolveDir, "..", "locales", "en.js"), namespace: "zod-locales" }
        : undefined,
    );
    bundle.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

/** esbuild options both the runner and its SDK parts are built with. */
export const BUNDLE_OPTIONS = {
  write: false,
  bundle: true,
  platform: "node",
  // CommonJS: each part is compiled as a script (node:vm) with its code cache; ESM has no
  // code-cache API on Node 20. Dynamic imports of builtins become require() for the same reason.
  format: "cjs",
  supported: { "dynamic-import": false },
  target: "node18",
  // (Full minification was measured too: ~15 ms CPU less per boot, but every class and function
  // name in errors and stack traces becomes a letter, and keepNames costs those 15 ms back.)
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
  // An import of a name an SDK's stand-in lacks must fail the build, not be undefined at run time.
  logOverride: { "import-is-undefined": "error" },
  plugins: [zodEnglishOnly],
};

/** Each SDK bundled apart: part name → { code, exports (the names it exports), modules }. */
export async function buildSdkParts(build, resolveDir) {
  const built = await Promise.all(
    Object.entries(SDK_PARTS).map(async ([id, { modules, entry }]) => {
      const stdin = { contents: entry, resolveDir, loader: "js" };
      const onNodeHttp = ON_NODE_HTTP.has(id);
      const inject = onNodeHttp ? [join(resolveDir, "src/http/sdk-globals.ts")] : [];
      // The SDKs read ReadableStream off globalThis, where an injected name does not reach.
      const define = onNodeHttp
        ? { "globalThis.ReadableStream": "__sandcasterReadableStream" }
        : {};
      const result = await build({ ...BUNDLE_OPTIONS, stdin, inject, define, outfile: "sdk.cjs" });
      // A CommonJS output lists no exports; an ESM build of the same entry names them.
      const names = await build({ ...BUNDLE_OPTIONS, stdin, format: "esm", metafile: true });
      const { exports } = Object.values(names.metafile.outputs)[0];
      return [id, { code: result.outputFiles[0].text, exports, modules }];
    }),
  );
  return new Map(built);
}

/** Maps the runner's imports of each SDK's modules to a stand-in that takes its part's exports. */
export function sdkStandIns(sdkParts) {
  const partOf = new Map();
  for (const [id, part] of sdkParts) for (const module of part.modules) partOf.set(module, id);
  return {
    name: "sdk-stand-ins",
    setup(bundle) {
      const modules = [...partOf.keys()];
      const filter = new RegExp(`^(${modules.map((m) => m.replace(/[/.]/g, "\\$&")).join("|")})$`);
      bundle.onResolve({ filter }, (args) => ({ path: args.path, namespace: "sdk-part" }));
      bundle.onLoad({ filter: /.*/, namespace: "sdk-part" }, (args) => {
        const id = partOf.get(args.path);
        // Every name the part exports, so an import of a name it lacks still fails this build.
        const lines = sdkParts
          .get(id)
          .exports.map((name) =>
            name === "default"
              ? "export default sdk.default;"
              : `export const ${name} = sdk[${JSON.stringify(name)}];`,
          );
        return {
          contents: `const sdk = globalThis[${SDK_GLOBAL}](${JSON.stringify(id)});\n${lines.join("\n")}\n`,
          loader: "js",
        };
      });
    },
  };
}
