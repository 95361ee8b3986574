// E2B session workspaces as tar streams: the sandbox tars its workspace to a file, the host
// streams it through the shared reader; imports are checked whole on the host, then untarred.
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import type { SessionWorkspace } from "@sandcaster/protocol";
import type { Sandbox as SdkSandbox } from "e2b";
import { packWorkspace, type WorkspacePacker } from "../workspace-pack.js";
import { stageWorkspaceTar } from "../workspace-stage.js";
import { forEachWorkspaceEntry } from "../workspace-tar.js";
import { EXPORT_TAR, IMPORT_TAR, WORKSPACE_OP_TIMEOUT_MS } from "./constants.js";
import { runHelper } from "./helper.js";
import { dropArchiveScript, exportScript, importScript } from "./workspace-shell.js";

/** Archive entries belong to whoever extracts them (tar runs with --no-same-owner). */
const owner = { uid: 0, gid: 0 };

/** Runs `work` on the resumed workspace sandbox, then pauses it again. */
export type WithWorkspace = <T>(
  workspace: SessionWorkspace,
  signal: AbortSignal,
  action: string,
  work: (sdk: SdkSandbox) => Promise<T>,
) => Promise<T>;

const transfer = (signal: AbortSignal) => ({ requestTimeoutMs: WORKSPACE_OP_TIMEOUT_MS, signal });

/**
 * The workspace as a tar stream (files and directories only, relative names). The workspace stays
 * resumed while the stream is read, and the stream ends once it is paused again.
 */
export function exportArchive(
  withWorkspace: WithWorkspace,
  workspace: SessionWorkspace,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const action = "export the session workspace";
  return new Promise<ReadableStream<Uint8Array>>((resolve, reject) => {
    let streamed = () => {};
    const done = new Promise<void>((r) => {
      streamed = r;
    });
    const held: Promise<void> = withWorkspace(workspace, signal, action, async (sdk) => {
      await runHelper(sdk, exportScript(), {
        signal,
        action,
        timeoutMs: WORKSPACE_OP_TIMEOUT_MS,
      });
      const raw = await sdk.files.read(EXPORT_TAR, { ...transfer(signal), format: "stream" });
      const produce = async (packer: WorkspacePacker, stop: AbortSignal) => {
        const source = Readable.fromWeb(raw as NodeWebStream<Uint8Array>);
        stop.addEventListener("abort", () => source.destroy(), { once: true });
        try {
          await forEachWorkspaceEntry(source, { strict: false }, async (c, body) => {
            if (c.kind !== "entry") return;
            if (c.entry.type === "directory") await packer.directory(c.entry);
            else await packer.file(c.entry, body);
          });
        } finally {
          await runHelper(sdk, dropArchiveScript(), { signal, action }).catch(() => {});
          streamed();
          // The stream ends once the workspace is paused again.
          await held.catch(() => {});
        }
      };
      resolve(packWorkspace(owner, produce, signal));
      await done;
    });
    held.catch(reject);
  });
}

/** Checked whole before anything is resumed or touched: a refused archive changes nothing. */
export async function importArchive(
  withWorkspace: WithWorkspace,
  workspace: SessionWorkspace,
  archive: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): Promise<void> {
  const action = "import the session workspace";
  // Checked whole before anything is resumed or touched: a refused archive changes nothing.
  const staged = await stageWorkspaceTar(archive, signal);
  try {
    await withWorkspace(workspace, signal, action, async (sdk) => {
      const tar = packWorkspace(
        owner,
        async (packer) => {
          for (const entry of staged.entries) {
            if (entry.type === "directory") await packer.directory(entry);
          }
          await staged.forEachFile((entry, body) => packer.file(entry, body));
        },
        signal,
      );
      await sdk.files.write(IMPORT_TAR, tar, transfer(signal));
      await runHelper(sdk, importScript(), {
        signal,
        action,
        timeoutMs: WORKSPACE_OP_TIMEOUT_MS,
      });
    });
  } finally {
    await staged.dispose();
  }
}
