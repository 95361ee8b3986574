// Export and import of a session volume as a tar archive, through a helper container.
import type { SessionWorkspace } from "@sandcaster/protocol";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { packWorkspaceTar, readWorkspaceTar, toTarEntries } from "../workspace-tar.js";
import { SANDBOX_GID, SANDBOX_UID, WORKSPACE_PATH } from "./constants.js";
import { abortReason, toSandboxError } from "./errors.js";
import { archiveName, packEntries } from "./tar.js";
import { clearWithHelper, type WorkspaceContext, withHelperContainer } from "./workspace-helper.js";
import { assertWorkspaceVolume, volumeOf } from "./workspace-volume.js";

const owner = { uid: SANDBOX_UID, gid: SANDBOX_GID };
const ROOT = archiveName(WORKSPACE_PATH);

function failure(error: unknown, signal: AbortSignal, action: string, image: string): unknown {
  if (signal.aborted) return abortReason(signal);
  return toSandboxError(error, "SANDBOX_IO_FAILED", action, { image });
}

/** The volume's regular files and directories as a tar with relative names. */
export async function exportWorkspaceVolume(
  ctx: WorkspaceContext,
  workspace: SessionWorkspace,
  signal: AbortSignal,
): Promise<Uint8Array> {
  if (signal.aborted) throw abortReason(signal);
  const name = volumeOf(workspace, "SANDBOX_IO_FAILED");
  const { sessionId } = await assertWorkspaceVolume(ctx, name, "SANDBOX_IO_FAILED", signal);
  try {
    const entries = await withHelperContainer(
      ctx,
      name,
      { sessionId, readOnly: true },
      async (container) => {
        const archive = await container.getArchive({ path: WORKSPACE_PATH, abortSignal: signal });
        return readWorkspaceTar(archive, { root: ROOT, strict: false });
      },
    );
    return await packWorkspaceTar(entries, owner);
  } catch (error) {
    throw failure(error, signal, "export the session workspace", ctx.image);
  }
}

/**
 * Replaces the volume's contents with the archive's. The archive is fully validated first (files
 * and directories only, relative paths, no `..`), so a refused archive changes nothing.
 */
export async function importWorkspaceVolume(
  ctx: WorkspaceContext,
  workspace: SessionWorkspace,
  tar: Uint8Array,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) throw abortReason(signal);
  const name = volumeOf(workspace, "SANDBOX_IO_FAILED");
  let archive: Buffer;
  try {
    const entries = await readWorkspaceTar(tar, { strict: true });
    archive = await packEntries([
      { name: `${ROOT}/`, type: "directory", mode: 0o755, ...owner },
      ...toTarEntries(entries, { ...owner, prefix: `${ROOT}/` }),
    ]);
  } catch (error) {
    if (SandboxError.isInstance(error)) throw error;
    throw new SandboxError(
      "SANDBOX_INVALID_ARCHIVE",
      `Unreadable workspace archive: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  const { sessionId } = await assertWorkspaceVolume(ctx, name, "SANDBOX_IO_FAILED", signal);
  try {
    await withHelperContainer(ctx, name, { sessionId, readOnly: false }, async (container) => {
      await clearWithHelper(container, signal);
      await container.putArchive(archive, { path: "/", abortSignal: signal });
    });
  } catch (error) {
    throw failure(error, signal, "import the session workspace", ctx.image);
  }
}
