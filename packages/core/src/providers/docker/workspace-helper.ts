// Short-lived helper containers that mount a session volume, so the archive API can reach it.
//
// Docker's archive API works on created-but-never-started containers and sees their volumes, so
// ownership, export and import need no process at all; only emptying a volume runs one (as the
// sandbox user, no capabilities, no network). Helpers carry the managed and owner labels, so the
// orphan sweep removes any that a crash left behind; removing one never removes its named volume.
import { randomBytes } from "node:crypto";
import type Dockerode from "dockerode";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import {
  LABEL_INSTANCE,
  LABEL_MANAGED,
  LABEL_OWNER,
  LABEL_SESSION_ID,
  SANDBOX_USER,
  WORKSPACE_PATH,
} from "./constants.js";
import { CLEAR_DIR_SCRIPT } from "./in-sandbox-scripts.js";

/** What the workspace operations of the Docker provider need from it. */
export interface WorkspaceContext {
  docker: Dockerode;
  image: string;
  nodePath: string;
  /** The provider's extra labels: on every volume and container, and required of "ours". */
  labels: Record<string, string> | undefined;
  instanceId: string | undefined;
  /** The owner label of this server process. */
  owner(): Promise<string>;
}

/** The labels of everything Sandcaster makes for a session (volume and helper containers). */
export async function sessionLabels(
  ctx: WorkspaceContext,
  sessionId: string,
): Promise<Record<string, string>> {
  return {
    ...ctx.labels,
    [LABEL_MANAGED]: "true",
    [LABEL_SESSION_ID]: sessionId,
    [LABEL_OWNER]: await ctx.owner(),
    ...(ctx.instanceId ? { [LABEL_INSTANCE]: ctx.instanceId } : {}),
  };
}

/**
 * The volume at the workspace path. NoCopy: an empty volume must stay empty, not be filled from
 * the image's /workspace (Docker copies image content into an empty volume on every mount).
 */
export function workspaceMount(volume: string, readOnly = false): Dockerode.MountSettings {
  return {
    Type: "volume",
    Source: volume,
    Target: WORKSPACE_PATH,
    ReadOnly: readOnly,
    VolumeOptions: { NoCopy: true } as Dockerode.MountSettings["VolumeOptions"],
  };
}

export interface HelperOptions {
  sessionId: string;
  readOnly: boolean;
}

/** Creates a helper mounting `volume` (not started), runs `use`, then removes the helper. */
export async function withHelperContainer<T>(
  ctx: WorkspaceContext,
  volume: string,
  options: HelperOptions,
  use: (container: Dockerode.Container) => Promise<T>,
): Promise<T> {
  const container = await ctx.docker.createContainer({
    name: `sandcaster-ws-helper-${randomBytes(4).toString("hex")}`,
    Image: ctx.image,
    Entrypoint: [ctx.nodePath],
    Cmd: ["-e", CLEAR_DIR_SCRIPT, "--", WORKSPACE_PATH],
    User: SANDBOX_USER,
    WorkingDir: "/",
    Labels: await sessionLabels(ctx, options.sessionId),
    NetworkDisabled: true,
    HostConfig: {
      Mounts: [workspaceMount(volume, options.readOnly)],
      NetworkMode: "none",
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      PidsLimit: 64,
    },
  });
  try {
    return await use(container);
  } finally {
    await container.remove({ force: true, v: true }).catch(() => {});
  }
}

/** The text of a non-TTY container's log: frames of an 8-byte header (stream, 0, 0, 0, size) + data. */
function demuxedText(buffer: Buffer): string {
  const parts: Buffer[] = [];
  for (let offset = 0; offset + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}

/** Starts the (not yet started) helper, which empties the volume, and waits for it to finish. */
export async function clearWithHelper(
  container: Dockerode.Container,
  signal: AbortSignal,
): Promise<void> {
  await container.start();
  const result = (await container.wait({ abortSignal: signal })) as { StatusCode?: unknown };
  if (result.StatusCode !== 0) {
    const logs = await container
      .logs({ stdout: true, stderr: true, follow: false })
      .then((buffer) => demuxedText(buffer).trim().slice(-500))
      .catch(() => "");
    throw new SandboxError(
      "SANDBOX_IO_FAILED",
      `Emptying the session workspace failed (exit ${String(result.StatusCode)})${logs ? `: ${logs}` : ""}`,
    );
  }
}
