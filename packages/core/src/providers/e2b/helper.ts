// Small shared helpers: runHelper() runs one of the provider's own scripts; toArrayBuffer() for uploads.
import type { Sandbox as SdkSandbox } from "e2b";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { HELPER_TIMEOUT_MS, HOME_DIR, REQUEST_TIMEOUT_MS } from "./constants.js";
import { abortReason } from "./errors.js";
import { isSdkError } from "./sdk.js";

/**
 * The script's stdout. A non-zero exit becomes SANDBOX_IO_FAILED with its stderr, an abort the
 * signal's reason; any other failure (the sandbox unreachable or gone) is rethrown as the SDK
 * raised it, for the caller to classify.
 */
export async function runHelper(
  sdk: SdkSandbox,
  script: string,
  options: { signal: AbortSignal; action: string; timeoutMs?: number },
): Promise<string> {
  const { signal, action } = options;
  try {
    const result = await sdk.commands.run(script, {
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      timeoutMs: options.timeoutMs ?? HELPER_TIMEOUT_MS,
      cwd: HOME_DIR,
      signal,
    });
    return result.stdout;
  } catch (error) {
    if (signal.aborted) throw abortReason(signal);
    if (isSdkError(error, "CommandExitError")) {
      const detail = error.stderr.trim().slice(0, 500);
      throw new SandboxError(
        "SANDBOX_IO_FAILED",
        `Cannot ${action} (exit ${error.exitCode}): ${detail}`,
      );
    }
    throw error;
  }
}

/** An ArrayBuffer holding exactly `content` (the SDK takes ArrayBuffer or Blob). */
export function toArrayBuffer(content: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(content.byteLength);
  copy.set(content);
  return copy.buffer;
}
