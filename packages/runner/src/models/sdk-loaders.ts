// Each model family's adapter (and with it its SDK) behind a dynamic import. The bundle stays one
// self-contained file (esbuild inlines dynamic imports when not splitting), but a module reached
// only through import() is evaluated on first use: a run pays for its own family's SDK only.

export type AdapterFamily = "anthropic" | "openai" | "google";

const loaders = {
  anthropic: () => import("./anthropic.js"),
  openai: () => import("./openai.js"),
  google: () => import("./google.js"),
} as const;

type Loaded = { [F in AdapterFamily]: Awaited<ReturnType<(typeof loaders)[F]>> };

export function loadAdapter<F extends AdapterFamily>(family: F): Promise<Loaded[F]> {
  return loaders[family]() as Promise<Loaded[F]>;
}
