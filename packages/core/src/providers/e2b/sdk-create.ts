// createSdkSandbox(): Sandbox.create with backoff on E2B's 429 / 503, never leaking a late sandbox.
import type { SandboxOpts, Sandbox as SdkSandbox } from "e2b";
import { sleep, unlessAborted } from "./abortable.js";
import { CREATE_ATTEMPTS, RATE_LIMIT_BACKOFF_MS } from "./constants.js";
import { toSandboxError } from "./errors.js";
import { e2bSdk, isSdkError } from "./sdk.js";

async function createWithRetry(template: string, opts: SandboxOpts, signal: AbortSignal) {
  const { Sandbox } = await e2bSdk();
  for (let attempt = 1; ; attempt++) {
    try {
      return await Sandbox.create(template, opts);
    } catch (error) {
      const retryable =
        isSdkError(error, "RateLimitError") || isSdkError(error, "ServiceBusyError");
      if (!retryable || attempt >= CREATE_ATTEMPTS || signal.aborted) {
        throw toSandboxError(error, "SANDBOX_CREATE_FAILED", "create the sandbox", {
          gone: false,
        });
      }
      // The SDK already waited out any Retry-After it was given; back off further.
      await sleep(RATE_LIMIT_BACKOFF_MS * 2 ** (attempt - 1), signal);
    }
  }
}

/**
 * Creates a sandbox, retrying rate limits. Not aborted mid-request: a sandbox created behind an
 * aborted request would leak, so it is killed when it arrives.
 */
export function createSdkSandbox(
  template: string,
  opts: SandboxOpts,
  signal: AbortSignal,
): Promise<SdkSandbox> {
  return unlessAborted(createWithRetry(template, opts, signal), signal, (late) => late.kill());
}
