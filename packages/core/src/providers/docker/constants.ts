// Fixed names and paths shared by the Docker provider's parts (labels, in-container layout).

export const LABEL_MANAGED = "sandcaster.managed";
export const LABEL_RUN_ID = "sandcaster.run-id";
export const LABEL_INSTANCE = "sandcaster.instance";
/** host/pid/startTime of the server process that created the container. */
export const LABEL_OWNER = "sandcaster.owner";
/** On session workspace volumes (and their helper containers): the session they belong to. */
export const LABEL_SESSION_ID = "sandcaster.session-id";
/** Session workspace volumes are named sandcaster-ws-<sessionId>-<random>. */
export const WORKSPACE_VOLUME_PREFIX = "sandcaster-ws-";

/** Every sandbox process runs as this uid:gid (the image's non-root user). */
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const SANDBOX_USER = `${SANDBOX_UID}:${SANDBOX_GID}`;

export const WORKSPACE_PATH = "/workspace";
/**
 * The root filesystem is read-only: /workspace and /tmp are the only writable places (size-capped
 * in-memory volumes), so the runner, HOME and the provider's bookkeeping live under /tmp.
 */
export const SCRATCH_PATH = "/tmp";
export const RUNNER_DIR = "/tmp/.sandcaster-runner";
/** HOME of every sandbox process (the image's own home is on the read-only root). */
export const HOME_DIR = "/tmp/home";
/** Provider bookkeeping inside the container (pid/exit files, the staged marker); not the workspace. */
export const STATE_DIR = "/tmp/.sandcaster";
/** Touched (as the last tar entry) by every writeFiles(); its ctime is the "staged" point in time. */
export const STAGED_MARKER = `${STATE_DIR}/staged`;
/** A file named after a spawn id here, plus SIGUSR2 to the main process, kills that spawn's tree. */
export const KILL_REQUEST_DIR = `${STATE_DIR}/kill`;
/** Environment variable marking every process of one spawn(), so kill() finds all of them. */
export const PROCESS_MARK_ENV = "SANDCASTER_PROC";

export const DEFAULT_NODE_PATH = "node";
/** How long the container outlives the run timeout before its dead-man switch ends it. */
export const DEFAULT_DEAD_MAN_MARGIN_MS = 60_000;
export const DEFAULT_PING_TIMEOUT_MS = 2_000;
/**
 * docker.diskMb's default. The writable places are tmpfs, charged to the container's memory
 * cgroup, so the cap sits well under the default memoryMb (2048): a full disk then means ENOSPC,
 * not an out-of-memory kill.
 */
export const DEFAULT_DISK_MB = 1024;
/** setTimeout's ceiling. */
export const MAX_TIMER_MS = 2_147_483_647;
