// The files of a session's workspace, from its tar export: paths as the sandbox sees them
// (`/workspace/…`), at most `limit` of them; reading stops there (a large workspace is not read
// through to list its first files).
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { forEachWorkspaceEntry } from "../providers/workspace-tar.js";

const ENOUGH = Symbol("enough files listed");

export async function workspaceFiles(
  archive: ReadableStream<Uint8Array>,
  limit: number,
): Promise<{ files: string[]; truncated: boolean }> {
  const files: string[] = [];
  let truncated = false;
  try {
    await forEachWorkspaceEntry(
      Readable.fromWeb(archive as WebReadableStream<Uint8Array>),
      { strict: false },
      async (checked) => {
        if (checked.kind === "skip" || (checked.kind === "entry" && checked.entry.type !== "file"))
          return;
        if (files.length === limit) {
          truncated = true;
          throw ENOUGH;
        }
        files.push(`/workspace/${checked.kind === "entry" ? checked.entry.path : checked.path}`);
      },
    );
  } catch (error) {
    if (!truncated || ((error as { cause?: unknown }).cause !== ENOUGH && error !== ENOUGH))
      throw error;
  }
  return { files, truncated };
}
