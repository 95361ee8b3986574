// One model call, retried with backoff (honouring Retry-After) while nothing has been streamed yet.
import { ERROR_CODES } from "@sandcaster/protocol";
import type { Emit } from "./emit.js";
import { RunnerError } from "./errors.js";
import type { ModelConversation, ModelPart, TurnInput } from "./models/model-conversation.js";

const MAX_DELAY_MS = 60_000;

export interface RetryOptions {
  retries: number;
  signal: AbortSignal;
  emit: Emit;
  /** Base of the exponential backoff when the server names no Retry-After. */
  baseDelayMs?: number;
}

function abortError(signal: AbortSignal): RunnerError {
  return RunnerError.isInstance(signal.reason)
    ? signal.reason
    : new RunnerError(ERROR_CODES.CANCELLED, "the run was cancelled");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export async function* streamWithRetry(
  conversation: ModelConversation,
  input: TurnInput,
  options: RetryOptions,
): AsyncGenerator<ModelPart> {
  const base = options.baseDelayMs ?? 1000;
  for (let attempt = 0; ; attempt++) {
    let yielded = false;
    try {
      for await (const part of conversation.stream(input, options.signal)) {
        yielded = true;
        yield part;
      }
      return;
    } catch (caught) {
      if (options.signal.aborted) throw abortError(options.signal);
      const error = RunnerError.isInstance(caught)
        ? caught
        : new RunnerError(ERROR_CODES.INTERNAL, String(caught), { cause: caught });
      if (!error.retryable || yielded || attempt >= options.retries) throw error;
      const backoff = base * 2 ** attempt * (0.8 + Math.random() * 0.4);
      const delay = Math.min(error.retryAfterMs ?? backoff, MAX_DELAY_MS);
      options.emit({
        type: "warning",
        code: error.code,
        content: `${error.message}; retrying in ${(delay / 1000).toFixed(1)}s (retry ${attempt + 1} of ${options.retries})`,
      });
      await sleep(delay, options.signal);
    }
  }
}

export { abortError };
