// The e2b SDK, loaded on first use: a server that never makes an e2b sandbox or template never
// loads it (~8 MB of a docker or local server's resident memory, and its start-up time).
/** Its named exports (its `default`, the Sandbox class again, is not used). */
type E2BSdk = Omit<typeof import("e2b"), "default">;
const load = (): Promise<E2BSdk> => import("e2b");

let loaded: E2BSdk | undefined;
let loading: Promise<E2BSdk> | undefined;

/** The SDK, imported the first time it is asked for. */
export function e2bSdk(): Promise<E2BSdk> {
  loading ??= load().then((sdk) => {
    loaded = sdk;
    return sdk;
  });
  return loading;
}

/**
 * The SDK if it is loaded, for `instanceof` checks on errors: before it is loaded, no error can be
 * one of its classes (only a loaded SDK throws them).
 */
export function loadedE2bSdk(): E2BSdk | undefined {
  return loaded;
}

/** The SDK's error classes this provider tells apart. */
type SdkErrorName =
  | "AuthenticationError"
  | "CommandExitError"
  | "FileNotFoundError"
  | "NotEnoughSpaceError"
  | "NotFoundError"
  | "RateLimitError"
  | "SandboxError"
  | "ServiceBusyError"
  | "TimeoutError";

/** Whether `error` is the SDK's `name` error (never while the SDK is not loaded: see above). */
export function isSdkError<K extends SdkErrorName>(
  error: unknown,
  name: K,
): error is InstanceType<E2BSdk[K]> {
  return loaded !== undefined && error instanceof loaded[name];
}
