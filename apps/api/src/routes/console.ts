// GET /, GET /docs and GET /console/:file: the web console and the API reference, public (the
// console asks for the API key itself), from memory.

import type { Context } from "hono";
import { Hono } from "hono";
import {
  ASSET_FILE,
  type ConsoleAsset,
  type ConsoleAssets,
  DOCS_FILE,
  loadConsoleAssets,
  PAGE_FILE,
} from "../console/assets.js";
import { HttpError } from "../http-error.js";

/** Scripts and styles only from this origin, no inline code, talks only to this server. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "Content-Security-Policy": CONSOLE_CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
};

function send(c: Context, asset: ConsoleAsset): Response {
  // No build step means no hashed file names: browsers revalidate every time, mostly getting a 304.
  const headers = { ...SECURITY_HEADERS, ETag: asset.etag, "Cache-Control": "no-cache" };
  const match = c.req.header("if-none-match");
  if (match?.split(",").some((tag) => tag.trim() === asset.etag)) {
    return c.body(null, 304, headers);
  }
  return c.body(asset.body, 200, { ...headers, "Content-Type": asset.type });
}

export function consoleRoute(load: () => Promise<ConsoleAssets> = loadConsoleAssets): Hono {
  const app = new Hono();
  let loading: Promise<ConsoleAssets> | undefined;
  const asset = async (name: string): Promise<ConsoleAsset> => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    let assets: ConsoleAssets;
    try {
      assets = await loading;
    } catch {
      throw new HttpError(404, "NOT_FOUND", "the web console's files are not installed");
    }
    const found = assets.get(name);
    if (!found) throw new HttpError(404, "NOT_FOUND", "no such console file");
    return found;
  };
  app.get("/", async (c) => send(c, await asset(PAGE_FILE)));
  app.get("/docs", async (c) => send(c, await asset(DOCS_FILE)));
  app.get("/console/:file", async (c) => {
    const file = c.req.param("file");
    if (!ASSET_FILE.test(file)) throw new HttpError(404, "NOT_FOUND", "no such console file");
    return send(c, await asset(file));
  });
  return app;
}
