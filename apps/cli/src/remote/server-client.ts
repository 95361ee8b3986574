// The CLI's door to a Sandcaster server is @sandcaster/sdk; this names the server to it and turns
// the SDK's typed errors into the one line (and exit code) a person at a terminal needs.
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  AuthenticationError,
  BadRequestError,
  createClient,
  type SandcasterClient,
} from "@sandcaster/sdk";
import { UsageError } from "../exit-codes.js";
import { VERSION } from "../version.js";

/** A client for the server at `url`; SANDCASTER_API_KEY is its key. */
export function serverClient(url: string, env: NodeJS.ProcessEnv): SandcasterClient {
  try {
    return createClient({
      baseUrl: url,
      apiKey: env.SANDCASTER_API_KEY || undefined,
      headers: { "user-agent": `sandcaster-cli/${VERSION}` },
    });
  } catch (error) {
    throw new UsageError(`--url: ${(error as Error).message}`);
  }
}

/** Why the connection failed, in the words the OS used (ECONNREFUSED, ENOTFOUND, …). */
function connectionReason(error: Error): string {
  let cause: unknown = error.cause;
  // fetch wraps the socket's error: APIConnectionError → TypeError "fetch failed" → { code }.
  for (let depth = 0; cause && depth < 3; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string") return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return error.message;
}

/**
 * The error to report for a failed call to the server at `url`: a refused field (400) is a usage
 * error of `command` (exit 2); the rest say what happened and, where it helps, what to do.
 */
export function explainServerError(error: unknown, url: string, command: string): unknown {
  if (BadRequestError.isInstance(error)) return new UsageError(error.message, command);
  if (AuthenticationError.isInstance(error))
    return new Error(`${error.message} (set SANDCASTER_API_KEY to the server's key)`);
  if (APIConnectionTimeoutError.isInstance(error))
    return new Error(`${url} did not answer: ${error.message}`);
  if (APIConnectionError.isInstance(error))
    return new Error(`cannot reach ${url}: ${connectionReason(error)}`);
  return error;
}
