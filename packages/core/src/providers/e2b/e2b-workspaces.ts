// Session workspaces on E2B: the workspace IS a sandbox, paused between turns and resumed for each.
//
// createWorkspace makes a sandbox labelled with the session (not a run, so the orphan sweep spares
// it) that pauses instead of dying at its timeout, and pauses it. A turn resumes it with connect()
// and gets an E2BSandbox whose destroy() pauses it again; export and import (workspace-archive.ts)
// keep it resumed while the archive streams through a file under the state dir.
import type { SessionWorkspace } from "@sandcaster/protocol";
import type { ConnectionOpts, Sandbox as SdkSandbox } from "e2b";
import type { CreateSandboxOptions } from "../../sandbox/sandbox.js";
import { SandboxError, type SandboxErrorCode } from "../../sandbox/sandbox-error.js";
import {
  META_MANAGED,
  META_SESSION_ID,
  REQUEST_TIMEOUT_MS,
  WORKSPACE_OP_TIMEOUT_MS,
  WORKSPACE_PATH,
} from "./constants.js";
import { E2BSandbox } from "./e2b-sandbox.js";
import { networkUpdate } from "./egress-options.js";
import {
  abortReason,
  isLost,
  isSandboxGone,
  toSandboxError,
  workspaceLostError,
} from "./errors.js";
import { runHelper } from "./helper.js";
import { e2bSdk, isSdkError } from "./sdk.js";
import { createSdkSandbox } from "./sdk-create.js";
import { checkEnv, setupScript } from "./shell.js";
import { exportArchive, importArchive } from "./workspace-archive.js";
import { WorkspaceHolds } from "./workspace-holds.js";

export interface WorkspacesInit {
  connection: ConnectionOpts;
  template: string;
  nodePath: string;
  logger?: { warn(obj: object, msg: string): void } | undefined;
}

const SANDBOX_ID = /^[a-z0-9]+$/i;

/** The workspace's sandbox id, after checking that it is one of ours to resume. */
function refOf(workspace: SessionWorkspace, code: SandboxErrorCode): string {
  if (workspace.provider !== "e2b") {
    throw new SandboxError(
      code,
      `This session workspace belongs to the ${workspace.provider} provider, not e2b`,
    );
  }
  if (!SANDBOX_ID.test(workspace.ref)) {
    throw new SandboxError(code, `Not an E2B sandbox id: ${JSON.stringify(workspace.ref)}`);
  }
  return workspace.ref;
}

export function createWorkspaces(init: WorkspacesInit) {
  const { connection, logger } = init;
  const holds = new WorkspaceHolds({
    connect: async (ref, timeoutMs, signal) =>
      (await e2bSdk()).Sandbox.connect(ref, { ...connection, timeoutMs, signal }),
    async pause(ref) {
      try {
        await (await e2bSdk()).Sandbox.pause(ref, connection);
      } catch (error) {
        if (isSdkError(error, "NotFoundError")) return;
        throw toSandboxError(error, "SANDBOX_IO_FAILED", "pause the session workspace", {
          gone: false,
        });
      }
    },
    isGone: (error) => isSdkError(error, "NotFoundError"),
  });

  /** Whether E2B no longer has the sandbox (asked after a failure that may mean it). */
  const isGoneAtE2B = async (ref: string) =>
    (await e2bSdk()).Sandbox.getInfo(ref, connection).then(
      () => false,
      (error: unknown) => isSdkError(error, "NotFoundError"),
    );

  /** Any failure on a session sandbox, in SandboxError terms (a gone sandbox: SANDBOX_LOST). */
  async function convert(
    error: unknown,
    ref: string,
    code: SandboxErrorCode,
    action: string,
    signal: AbortSignal,
  ): Promise<unknown> {
    if (signal.aborted) return abortReason(signal);
    const maybeGone = isSdkError(error, "NotFoundError") || isLost(error) || isSandboxGone(error);
    if (maybeGone && (await isGoneAtE2B(ref).catch(() => false))) {
      return workspaceLostError(ref, error);
    }
    return toSandboxError(error, code, action, { gone: false });
  }

  /** Resumes the workspace for `timeoutMs` (one more holder); SANDBOX_LOST when E2B lost it. */
  async function resume(
    ref: string,
    timeoutMs: number,
    signal: AbortSignal,
    failure: { code: SandboxErrorCode; action: string },
  ) {
    if (signal.aborted) throw abortReason(signal);
    try {
      return await holds.acquire(ref, timeoutMs, signal);
    } catch (error) {
      throw await convert(error, ref, failure.code, failure.action, signal);
    }
  }

  const release = (ref: string) =>
    holds.release(ref).catch((error: unknown) => {
      logger?.warn(
        { sandboxId: ref, err: error },
        "e2b: could not pause the session sandbox; its timeout will pause it",
      );
    });

  /** Runs `work` on the resumed workspace, then pauses it again. */
  async function withWorkspace<T>(
    workspace: SessionWorkspace,
    signal: AbortSignal,
    action: string,
    work: (sdk: SdkSandbox) => Promise<T>,
  ): Promise<T> {
    const ref = refOf(workspace, "SANDBOX_IO_FAILED");
    const sdk = await resume(ref, WORKSPACE_OP_TIMEOUT_MS, signal, {
      code: "SANDBOX_IO_FAILED",
      action,
    });
    try {
      return await work(sdk);
    } catch (error) {
      throw await convert(error, ref, "SANDBOX_IO_FAILED", action, signal);
    } finally {
      await release(ref);
    }
  }

  return {
    async createWorkspace(sessionId: string, signal: AbortSignal): Promise<SessionWorkspace> {
      if (signal.aborted) throw abortReason(signal);
      if (!sessionId) {
        throw new SandboxError("SANDBOX_CREATE_FAILED", "A session workspace needs a session id");
      }
      const metadata = { [META_MANAGED]: "true", [META_SESSION_ID]: sessionId };
      const sdk = await createSdkSandbox(
        init.template,
        {
          ...connection,
          metadata,
          timeoutMs: WORKSPACE_OP_TIMEOUT_MS,
          // Its dead-man switch pauses (keeping the files) instead of killing.
          lifecycle: { onTimeout: "pause" },
        },
        signal,
      );
      const action = "prepare the session workspace";
      try {
        await runHelper(sdk, setupScript([WORKSPACE_PATH]), { signal, action });
        await (await e2bSdk()).Sandbox.pause(sdk.sandboxId, connection);
        // Never sweep-able: a workspace the caller will not record must not outlive the call.
        if (signal.aborted) throw abortReason(signal);
      } catch (error) {
        await sdk.kill({ requestTimeoutMs: REQUEST_TIMEOUT_MS }).catch(() => {});
        if (signal.aborted) throw abortReason(signal);
        throw toSandboxError(error, "SANDBOX_CREATE_FAILED", action, { gone: false });
      }
      return { provider: "e2b", ref: sdk.sandboxId };
    },

    async deleteWorkspace(workspace: SessionWorkspace, signal: AbortSignal): Promise<void> {
      const ref = refOf(workspace, "SANDBOX_IO_FAILED");
      if (signal.aborted) throw abortReason(signal);
      try {
        // false (not an error) when E2B has no such sandbox any more: already deleted.
        await (await e2bSdk()).Sandbox.kill(ref, { ...connection, signal });
      } catch (error) {
        if (signal.aborted) throw abortReason(signal);
        throw toSandboxError(error, "SANDBOX_IO_FAILED", "delete the session workspace", {
          gone: false,
        });
      }
    },

    /** The workspace as a tar stream; it stays resumed until the stream ends. */
    exportWorkspace(
      workspace: SessionWorkspace,
      signal: AbortSignal,
    ): Promise<ReadableStream<Uint8Array>> {
      return exportArchive(withWorkspace, workspace, signal);
    },

    async importWorkspace(
      workspace: SessionWorkspace,
      archive: ReadableStream<Uint8Array>,
      signal: AbortSignal,
    ): Promise<void> {
      refOf(workspace, "SANDBOX_IO_FAILED");
      await importArchive(withWorkspace, workspace, archive, signal);
    },

    /** A turn's sandbox: the workspace resumed for `lifetime`; destroy() pauses it again. */
    async openTurn(
      options: CreateSandboxOptions,
      workspace: SessionWorkspace,
      lifetime: number,
    ): Promise<E2BSandbox> {
      const { signal } = options;
      const action = "resume the session workspace";
      const ref = refOf(workspace, "SANDBOX_CREATE_FAILED");
      const env = checkEnv(options.env);
      const sdk = await resume(ref, lifetime, signal, { code: "SANDBOX_CREATE_FAILED", action });
      const sandbox = new E2BSandbox({
        sdk,
        nodePath: init.nodePath,
        commandTimeoutMs: lifetime,
        env,
        resumed: true,
        release: () => holds.release(ref),
        logger,
      });
      try {
        // The sandbox keeps the last turn's network: every turn sets its own, egress policy included.
        await sdk.updateNetwork(networkUpdate(options), {
          requestTimeoutMs: REQUEST_TIMEOUT_MS,
          signal,
        });
        await sandbox.setup(signal);
      } catch (error) {
        await sandbox.destroy();
        throw await convert(
          error,
          ref,
          "SANDBOX_CREATE_FAILED",
          "prepare the session sandbox",
          signal,
        );
      }
      return sandbox;
    },
  };
}
