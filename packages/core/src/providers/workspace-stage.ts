// Uploaded workspace archives: spooled to a private temp file and checked whole before anything changes.
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import { SandboxError } from "../sandbox/sandbox-error.js";
import { completeTree, forEachWorkspaceEntry, type WorkspaceEntry } from "./workspace-tar.js";

/**
 * Entries one archive may hold. Their names are kept in memory while the archive is checked
 * (its contents never are): this bounds that memory (~150 bytes an entry).
 */
export const MAX_ARCHIVE_ENTRIES = 200_000;

export interface StagedWorkspace {
  /** The archive's final tree, sorted: every directory before what it holds. */
  entries: readonly WorkspaceEntry[];
  /** Each file's content in archive order, once per path (a later entry replaces an earlier one). */
  forEachFile(visit: (entry: WorkspaceEntry, body: Readable) => Promise<void>): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Spools `source` to disk (it may be larger than memory), then reads it once to check every
 * entry (files and directories only, relative names, no `..`): a refused archive is refused
 * before the caller changes anything. Errors of `source` itself are thrown as they are.
 */
export async function stageWorkspaceTar(
  source: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): Promise<StagedWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-upload-"));
  const file = join(dir, "archive.tar");
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(
      Readable.fromWeb(source as NodeWebStream<Uint8Array>),
      createWriteStream(file, { mode: 0o600 }),
      { signal },
    );
    const final = new Map<string, WorkspaceEntry>();
    const lastIndex = new Map<string, number>();
    let index = 0;
    await forEachWorkspaceEntry(createReadStream(file), { strict: true }, async (checked) => {
      index++;
      if (index > MAX_ARCHIVE_ENTRIES) {
        throw new SandboxError(
          "SANDBOX_INVALID_ARCHIVE",
          `The workspace archive has more than ${MAX_ARCHIVE_ENTRIES} entries`,
        );
      }
      if (checked.kind !== "entry") return;
      final.set(checked.entry.path, checked.entry);
      lastIndex.set(checked.entry.path, index);
    });
    const entries = completeTree(final);
    return {
      entries,
      forEachFile(visit) {
        let at = 0;
        const read = createReadStream(file);
        return forEachWorkspaceEntry(read, { strict: true }, async (checked, body) => {
          at++;
          if (checked.kind !== "entry" || checked.entry.type !== "file") return;
          if (lastIndex.get(checked.entry.path) !== at) return;
          if (final.get(checked.entry.path)?.type !== "file") return;
          await visit(checked.entry, body);
        });
      },
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
