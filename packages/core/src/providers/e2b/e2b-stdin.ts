// A command's stdin over envd's SendInput / CloseStdin calls (CommandHandle.sendStdin / closeStdin).
import type { CommandHandle } from "e2b";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { type StdinPipe, stdinClosedError } from "../../sandbox/stdin-stream.js";
import { REQUEST_TIMEOUT_MS } from "./constants.js";
import { isSandboxGone, lostError, toSandboxError } from "./errors.js";
import { isSdkError } from "./sdk.js";

export interface StdinContext {
  /** Whether the sandbox is gone (asked when a call fails the way a dead sandbox makes it fail). */
  isGone(): Promise<boolean>;
  onLost(): void;
  /** Aborts calls still in flight once the command has ended. */
  ended: AbortSignal;
}

export const CLOSE_STDIN_HINT =
  "The sandbox's envd is too old to close stdin (needs 0.5.2+): rebuild the E2B template.";

async function convert(ctx: StdinContext, error: unknown, action: string): Promise<SandboxError> {
  // We gave up on the call ourselves: the command has ended.
  if (ctx.ended.aborted) return stdinClosedError();
  // envd forgets a command once it has ended: "not found" means its stdin is gone, not the sandbox.
  if (isSdkError(error, "NotFoundError") && !isSdkError(error, "FileNotFoundError")) {
    return stdinClosedError();
  }
  if (isSandboxGone(error)) {
    if (await ctx.isGone()) {
      ctx.onLost();
      return lostError(action, error);
    }
    return toSandboxError(error, "SANDBOX_EXEC_FAILED", action, { gone: false });
  }
  if (isSdkError(error, "SandboxError") && /doesn't support closeStdin/.test(error.message)) {
    return new SandboxError("SANDBOX_EXEC_FAILED", `Cannot ${action}: ${error.message}`, {
      hint: CLOSE_STDIN_HINT,
      cause: error,
    });
  }
  return toSandboxError(error, "SANDBOX_EXEC_FAILED", action, { gone: false });
}

/**
 * Bytes go out as they are (the SDK sends a Uint8Array as-is, base64 in the JSON body). Writes
 * carry no request timeout: like a pipe, a write waits while the command does not read; it ends
 * with the command (ctx.ended). The stdin stream on top issues one call at a time, so the bytes
 * arrive in order.
 */
export function commandStdin(handle: CommandHandle, ctx: StdinContext): StdinPipe {
  return {
    async write(chunk) {
      try {
        await handle.sendStdin(chunk, { requestTimeoutMs: 0, signal: ctx.ended });
      } catch (error) {
        throw await convert(ctx, error, "write to the process's stdin");
      }
    },
    async end() {
      try {
        await handle.closeStdin({ requestTimeoutMs: REQUEST_TIMEOUT_MS, signal: ctx.ended });
      } catch (error) {
        throw await convert(ctx, error, "close the process's stdin");
      }
    },
  };
}
