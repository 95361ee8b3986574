// Fixed names, paths and defaults shared by the E2B provider's parts.

/** Sandbox metadata keys (E2B metadata is a flat string map; list() filters on it). */
export const META_MANAGED = "sandcasterManaged";
export const META_RUN_ID = "sandcasterRunId";
/** Marks a session workspace's sandbox (instead of a run id): the orphan sweep spares it. */
export const META_SESSION_ID = "sandcasterSessionId";

/** The default template's user is `user` with home /home/user (writable; /opt is root's). */
export const HOME_DIR = "/home/user";
export const WORKSPACE_PATH = `${HOME_DIR}/workspace`;
export const RUNNER_DIR = `${HOME_DIR}/.sandcaster`;
/**
 * Provider bookkeeping (the staged marker), outside the workspace and the runner dir. Helper
 * scripts run in HOME_DIR and name paths relative to it (portable to hosts that remap `/`).
 */
export const STATE_DIR = `${HOME_DIR}/.sandcaster-state`;
/** Touched by every writeFiles(); files whose ctime is newer changed after staging. */
export const STAGED_MARKER = `${STATE_DIR}/staged`;
/** Session archives on their way out of / into the sandbox (outside the workspace). */
export const EXPORT_TAR = `${STATE_DIR}/export.tar`;
export const IMPORT_TAR = `${STATE_DIR}/import.tar`;
/**
 * Environment variable marking every process of one spawn(), so kill() finds all of them. Its
 * value starts with the sandbox id, so a resumed session sandbox can find strays of earlier turns.
 */
export const PROCESS_MARK_ENV = "SANDCASTER_PROC";

export const DEFAULT_TEMPLATE = "base";
export const DEFAULT_NODE_PATH = "node";
/** How long a sandbox outlives its run timeout before E2B ends it (the dead-man switch). */
export const DEFAULT_DEAD_MAN_MARGIN_MS = 30_000;
/** E2B's longest sandbox lifetime (Pro tier). */
export const MAX_SANDBOX_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Bound on each control-plane / envd HTTP request (the SDK's own default). */
export const REQUEST_TIMEOUT_MS = 60_000;
/** Bound on the provider's own short commands (mkdir, staging marker, scan, killer). */
export const HELPER_TIMEOUT_MS = 60_000;
/**
 * How long a session sandbox may run for createWorkspace / export / import before E2B pauses it
 * on its own (session sandboxes pause at their timeout instead of dying); also the bound on the
 * archive commands and transfers.
 */
export const WORKSPACE_OP_TIMEOUT_MS = 10 * 60 * 1000;
/** Sandbox.create attempts when E2B answers 429, and the backoff between them (doubling). */
export const CREATE_ATTEMPTS = 3;
export const RATE_LIMIT_BACKOFF_MS = 1_000;
/** SDK-level retries of a 429 that carries Retry-After (the SDK waits as the header says). */
export const SDK_RATE_LIMIT_RETRIES = 2;
