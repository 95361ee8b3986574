// The web console's files (apps/api/console), read once into memory with their types and ETags.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { extname } from "node:path";

/** Same depth from src/console/ and dist/console/, so tests and the built server find one directory. */
export const CONSOLE_DIR = new URL("../../console/", import.meta.url);

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The page, served at / only (one address per page). */
export const PAGE_FILE = "index.html";
/** The API reference page, served at /docs only. */
export const DOCS_FILE = "docs.html";

/** What /console/:file serves: plain names only, so no slash or dot-dot can ever be looked up. */
export const ASSET_FILE = /^[a-z0-9-]+\.(?:js|css|svg)$/;

export interface ConsoleAsset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

export type ConsoleAssets = ReadonlyMap<string, ConsoleAsset>;

export async function loadConsoleAssets(dir: URL = CONSOLE_DIR): Promise<ConsoleAssets> {
  const assets = new Map<string, ConsoleAsset>();
  for (const name of await readdir(dir)) {
    const type = TYPES[extname(name)];
    if (!type || (name !== PAGE_FILE && name !== DOCS_FILE && !ASSET_FILE.test(name))) continue;
    const body = new Uint8Array(await readFile(new URL(name, dir)));
    const hash = createHash("sha256").update(body).digest("base64url").slice(0, 27);
    assets.set(name, { body, type, etag: `"${hash}"` });
  }
  return assets;
}
