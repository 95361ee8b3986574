// createSdkSandbox(): Sandbox.create with backoff on E2B's 429 / 503, never leaking a late sandbox.
import { RateLimitError, type SandboxOpts, Sandbox as SdkSandbox, ServiceBusyError } from "e2b";
import { sleep, unlessAborted } from "./abortable.js";
import { CREATE_ATTEMPTS, RATE_LIMIT_BACKOFF_MS } from "./constants.js";
import { toSandboxError } from "./errors.js";

async function createWithRetry(template: string, opts: SandboxOpts, signal: AbortSignal) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await SdkSandbox.create(template, opts);
    } catch (error) {
      const retryable = error instanceof RateLimitError || error instanceof ServiceBusyError;
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
