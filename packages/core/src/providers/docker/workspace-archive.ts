// Export and import of a session volume as a tar stream, through a helper container.
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import type { SessionWorkspace } from "@sandcaster/protocol";
import type Dockerode from "dockerode";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { packWorkspace, type WorkspacePacker } from "../workspace-pack.js";
import { type StagedWorkspace, stageWorkspaceTar } from "../workspace-stage.js";
import { forEachWorkspaceEntry } from "../workspace-tar.js";
import { SANDBOX_GID, SANDBOX_UID, WORKSPACE_PATH } from "./constants.js";
import { abortReason, toSandboxError } from "./errors.js";
import { archiveName } from "./tar.js";
import { clearWithHelper, type WorkspaceContext, withHelperContainer } from "./workspace-helper.js";
import { assertWorkspaceVolume, volumeOf } from "./workspace-volume.js";

const owner = { uid: SANDBOX_UID, gid: SANDBOX_GID };
const ROOT = archiveName(WORKSPACE_PATH);

function failure(error: unknown, signal: AbortSignal, action: string, image: string): unknown {
  if (signal.aborted) return abortReason(signal);
  if (SandboxError.isInstance(error)) return error;
  return toSandboxError(error, "SANDBOX_IO_FAILED", action, { image });
}

/**
 * Copies what Docker's archive calls hard links: `path` gets the content of `target`, read again
 * from the volume (the first copy has streamed past by then).
 */
async function copyHardLink(
  container: Dockerode.Container,
  link: { path: string; target: string },
  packer: WorkspacePacker,
  signal: AbortSignal,
): Promise<void> {
  const raw = await container.getArchive({
    path: `${WORKSPACE_PATH}/${link.target}`,
    abortSignal: signal,
  });
  let copied = false;
  await forEachWorkspaceEntry(raw, { strict: false }, async (checked, body) => {
    if (copied || checked.kind !== "entry" || checked.entry.type !== "file") return;
    copied = true;
    await packer.file({ ...checked.entry, path: link.path }, body);
  });
}

/**
 * The volume's regular files and directories as a tar stream with relative names. The helper
 * container that reads the volume lives until the stream ends or is cancelled.
 */
export async function exportWorkspaceVolume(
  ctx: WorkspaceContext,
  workspace: SessionWorkspace,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  if (signal.aborted) throw abortReason(signal);
  const name = volumeOf(workspace, "SANDBOX_IO_FAILED");
  const { sessionId } = await assertWorkspaceVolume(ctx, name, "SANDBOX_IO_FAILED", signal);
  const action = "export the session workspace";
  return new Promise<ReadableStream<Uint8Array>>((resolve, reject) => {
    let streamed = () => {};
    const done = new Promise<void>((r) => {
      streamed = r;
    });
    const held: Promise<void> = withHelperContainer(
      ctx,
      name,
      { sessionId, readOnly: true },
      async (container) => {
        // Started here, so that a failure to read the volume is thrown, not streamed.
        const raw = await container.getArchive({ path: WORKSPACE_PATH, abortSignal: signal });
        const produce = async (packer: WorkspacePacker, stop: AbortSignal) => {
          stop.addEventListener(
            "abort",
            () => (raw as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.(),
            { once: true },
          );
          try {
            const links: { path: string; target: string }[] = [];
            await forEachWorkspaceEntry(raw, { root: ROOT, strict: false }, async (c, body) => {
              if (c.kind === "hardlink") links.push(c);
              else if (c.kind !== "entry") return;
              else if (c.entry.type === "directory") await packer.directory(c.entry);
              else await packer.file(c.entry, body);
            });
            for (const link of links) await copyHardLink(container, link, packer, stop);
          } catch (error) {
            throw failure(error, stop, action, ctx.image);
          } finally {
            streamed();
            // The stream ends once the helper container is gone.
            await held.catch(() => {});
          }
        };
        resolve(packWorkspace(owner, produce, signal));
        await done;
      },
    );
    held.catch((error: unknown) => reject(failure(error, signal, action, ctx.image)));
  });
}

/** The staged archive under `workspace/`, owned by the sandbox user, directories first. */
function volumeArchive(staged: StagedWorkspace, signal: AbortSignal): Readable {
  const stream = packWorkspace(
    { ...owner, prefix: `${ROOT}/` },
    async (packer) => {
      await packer.directory({ path: "", type: "directory", mode: 0o755, size: 0 });
      for (const entry of staged.entries) {
        if (entry.type === "directory") await packer.directory(entry);
      }
      await staged.forEachFile((entry, body) => packer.file(entry, body));
    },
    signal,
  );
  return Readable.fromWeb(stream as NodeWebStream<Uint8Array>);
}

/**
 * Replaces the volume's contents with the archive's. The archive is fully validated first (files
 * and directories only, relative paths, no `..`), so a refused archive changes nothing.
 */
export async function importWorkspaceVolume(
  ctx: WorkspaceContext,
  workspace: SessionWorkspace,
  archive: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) throw abortReason(signal);
  const name = volumeOf(workspace, "SANDBOX_IO_FAILED");
  let staged: StagedWorkspace;
  try {
    staged = await stageWorkspaceTar(archive, signal);
  } catch (error) {
    if (signal.aborted) throw abortReason(signal);
    if (SandboxError.isInstance(error)) throw error;
    throw new SandboxError("SANDBOX_INVALID_ARCHIVE", `Unreadable workspace archive: ${error}`, {
      cause: error,
    });
  }
  try {
    const { sessionId } = await assertWorkspaceVolume(ctx, name, "SANDBOX_IO_FAILED", signal);
    await withHelperContainer(ctx, name, { sessionId, readOnly: false }, async (container) => {
      await clearWithHelper(container, signal);
      await container.putArchive(volumeArchive(staged, signal), {
        path: "/",
        abortSignal: signal,
      });
    });
  } catch (error) {
    throw failure(error, signal, "import the session workspace", ctx.image);
  } finally {
    await staged.dispose();
  }
}
