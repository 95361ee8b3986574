// Loads a file the model wants as text, refusing directories, binaries and huge files clearly.
import { readFile, stat } from "node:fs/promises";

/** Larger files are refused whole; the model can page through them with bash (sed -n, head). */
export const MAX_TEXT_FILE_BYTES = 10 * 1024 * 1024;

export type TextFile = { ok: true; text: string } | { ok: false; error: string };

/** NUL bytes do not occur in text encodings the model can use; git uses the same test. */
export function looksBinary(data: Buffer): boolean {
  return data.includes(0);
}

export async function loadTextFile(absPath: string, shownAs: string): Promise<TextFile> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(absPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      return { ok: false, error: `file not found: ${shownAs}` };
    }
    throw err;
  }
  if (info.isDirectory()) {
    return { ok: false, error: `${shownAs} is a directory; use list_files to see its contents` };
  }
  if (!info.isFile()) return { ok: false, error: `${shownAs} is not a regular file` };
  if (info.size > MAX_TEXT_FILE_BYTES) {
    return {
      ok: false,
      error: `${shownAs} is too large (${info.size} bytes, limit ${MAX_TEXT_FILE_BYTES}); use bash (head, sed -n) to read parts of it`,
    };
  }
  const data = await readFile(absPath);
  if (looksBinary(data)) {
    return { ok: false, error: `${shownAs} is a binary file; it cannot be shown as text` };
  }
  return { ok: true, text: data.toString("utf8") };
}
