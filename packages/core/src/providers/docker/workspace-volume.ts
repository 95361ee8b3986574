// Session workspaces as named Docker volumes: naming, validation, creation, removal and listing.
//
// A volume lives as long as its session: removing containers (even with v: true, which only
// removes anonymous volumes) and the orphan sweep leave it alone; only deleteWorkspace frees it.
import { randomBytes } from "node:crypto";
import type { SessionWorkspace } from "@sandcaster/protocol";
import type Dockerode from "dockerode";
import { SandboxError, type SandboxErrorCode } from "../../sandbox/sandbox-error.js";
import {
  LABEL_MANAGED,
  LABEL_SESSION_ID,
  SANDBOX_GID,
  SANDBOX_UID,
  WORKSPACE_PATH,
  WORKSPACE_VOLUME_PREFIX,
} from "./constants.js";
import { abortReason, isNotFound, statusOf, toSandboxError } from "./errors.js";
import { archiveName, packEntries } from "./tar.js";
import { sessionLabels, type WorkspaceContext, withHelperContainer } from "./workspace-helper.js";

const VOLUME_NAME = new RegExp(`^${WORKSPACE_VOLUME_PREFIX}[a-zA-Z0-9_.-]+$`);
const IN_USE_RETRIES = 50;
const IN_USE_DELAY_MS = 100;

/** One session volume, as listWorkspaces() reports it (for the server's expiry sweep). */
export interface WorkspaceVolume {
  workspace: SessionWorkspace;
  sessionId: string;
  /** As the daemon reports it (RFC 3339). */
  createdAt: string | undefined;
}

function workspaceVolumeName(sessionId: string): string {
  const safe = sessionId.replace(/[^a-zA-Z0-9_.-]/g, "-").slice(0, 40);
  return `${WORKSPACE_VOLUME_PREFIX}${safe}-${randomBytes(4).toString("hex")}`;
}

/** The volume name of a docker workspace; refuses other providers' refs and foreign names. */
export function volumeOf(workspace: SessionWorkspace, code: SandboxErrorCode): string {
  if (workspace.provider !== "docker" || !VOLUME_NAME.test(workspace.ref)) {
    throw new SandboxError(
      code,
      `Not a docker session workspace: ${JSON.stringify(workspace.ref)} (${workspace.provider})`,
    );
  }
  return workspace.ref;
}

/** Whether labels are those of a Sandcaster object of this provider (its extra labels included). */
export function isOurs(ctx: WorkspaceContext, labels: Record<string, string> | null | undefined) {
  if (labels?.[LABEL_MANAGED] !== "true") return false;
  return Object.entries(ctx.labels ?? {}).every(([key, value]) => labels[key] === value);
}

/**
 * Checks that the volume exists and is one of our session volumes. Mounting a missing name would
 * make Docker create an empty, root-owned volume silently, so create() asks first.
 */
export async function assertWorkspaceVolume(
  ctx: WorkspaceContext,
  name: string,
  code: SandboxErrorCode,
  signal: AbortSignal,
): Promise<{ sessionId: string }> {
  let info: Dockerode.VolumeInspectInfo;
  try {
    info = await ctx.docker.getVolume(name).inspect({ abortSignal: signal } as object);
  } catch (error) {
    if (signal.aborted) throw abortReason(signal);
    if (isNotFound(error)) {
      throw new SandboxError(code, `The session workspace volume ${name} does not exist`, {
        cause: error,
      });
    }
    throw toSandboxError(error, code, "inspect the session workspace volume");
  }
  const sessionId = info.Labels?.[LABEL_SESSION_ID];
  if (!isOurs(ctx, info.Labels) || sessionId === undefined) {
    throw new SandboxError(code, `Volume ${name} is not a Sandcaster session workspace`);
  }
  return { sessionId };
}

/** A new labelled volume whose root belongs to the sandbox user (a fresh volume is root's). */
export async function createWorkspaceVolume(
  ctx: WorkspaceContext,
  sessionId: string,
  signal: AbortSignal,
): Promise<SessionWorkspace> {
  if (signal.aborted) throw abortReason(signal);
  const name = workspaceVolumeName(sessionId);
  try {
    // Not aborted mid-request: a volume created behind an aborted request would leak.
    await ctx.docker.createVolume({ Name: name, Labels: await sessionLabels(ctx, sessionId) });
  } catch (error) {
    throw toSandboxError(error, "SANDBOX_CREATE_FAILED", "create the session workspace volume");
  }
  try {
    signal.throwIfAborted();
    const root = archiveName(WORKSPACE_PATH);
    const archive = await packEntries([
      { name: `${root}/`, type: "directory", mode: 0o755, uid: SANDBOX_UID, gid: SANDBOX_GID },
    ]);
    // The daemon applies the entry's owner to the mount point, i.e. the volume's root.
    await withHelperContainer(ctx, name, { sessionId, readOnly: false }, (container) =>
      container.putArchive(archive, { path: "/", abortSignal: signal }),
    );
    signal.throwIfAborted();
    return { provider: "docker", ref: name };
  } catch (error) {
    await ctx.docker
      .getVolume(name)
      .remove()
      .catch(() => {});
    if (signal.aborted) throw abortReason(signal);
    throw toSandboxError(error, "SANDBOX_CREATE_FAILED", "prepare the session workspace volume", {
      image: ctx.image,
    });
  }
}

/** Removes our containers that use the volume; refuses when a foreign container does. */
async function releaseVolume(ctx: WorkspaceContext, name: string, signal: AbortSignal) {
  const users = await ctx.docker.listContainers({
    all: true,
    filters: { volume: [name] },
    abortSignal: signal,
  } as Dockerode.ContainerListOptions);
  for (const user of users) {
    if (!isOurs(ctx, user.Labels)) {
      throw new SandboxError(
        "SANDBOX_IO_FAILED",
        `Cannot delete session workspace ${name}: container ${user.Id.slice(0, 12)} uses it and Sandcaster did not create it`,
      );
    }
    await ctx.docker
      .getContainer(user.Id)
      .remove({ force: true, v: true })
      .catch(() => {}); // gone or going: the next attempt tells
  }
}

/** Frees the volume for good; idempotent. Our containers still using it are removed first. */
export async function deleteWorkspaceVolume(
  ctx: WorkspaceContext,
  workspace: SessionWorkspace,
  signal: AbortSignal,
): Promise<void> {
  const name = volumeOf(workspace, "SANDBOX_IO_FAILED");
  try {
    await assertWorkspaceVolume(ctx, name, "SANDBOX_IO_FAILED", signal);
  } catch (error) {
    if (SandboxError.isInstance(error) && isNotFound(error.cause)) return;
    throw error;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await ctx.docker.getVolume(name).remove({ abortSignal: signal } as object);
      return;
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      if (isNotFound(error)) return;
      if (statusOf(error) !== 409 || attempt >= IN_USE_RETRIES) {
        throw toSandboxError(error, "SANDBOX_IO_FAILED", `delete volume ${name}`);
      }
      // In use: by a turn's container, or one whose AutoRemove is still in progress.
      await releaseVolume(ctx, name, signal);
      await new Promise((resolve) => setTimeout(resolve, IN_USE_DELAY_MS));
    }
  }
}

/** Every session volume of this provider (its extra labels included), for expiry sweeps. */
export async function listWorkspaceVolumes(
  ctx: WorkspaceContext,
  signal?: AbortSignal,
): Promise<WorkspaceVolume[]> {
  const labels = [
    `${LABEL_MANAGED}=true`,
    LABEL_SESSION_ID,
    ...Object.entries(ctx.labels ?? {}).map(([key, value]) => `${key}=${value}`),
  ];
  let result: { Volumes: Dockerode.VolumeInspectInfo[] | null };
  try {
    result = await ctx.docker.listVolumes({
      filters: { label: labels },
      abortSignal: signal,
    } as object);
  } catch (error) {
    if (signal?.aborted) throw abortReason(signal);
    throw toSandboxError(error, "SANDBOX_UNAVAILABLE", "list session volumes");
  }
  return (result.Volumes ?? [])
    .filter((volume) => VOLUME_NAME.test(volume.Name))
    .map((volume) => ({
      workspace: { provider: "docker", ref: volume.Name },
      sessionId: volume.Labels?.[LABEL_SESSION_ID] ?? "",
      createdAt: (volume as { CreatedAt?: string }).CreatedAt,
    }));
}
