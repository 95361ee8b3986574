// createE2BProvider(): the "e2b" SandboxProvider (create with rate-limit retry, sessions, orphan sweep).
import type { ConnectionOpts, SandboxOpts } from "e2b";
import type { CreateSandboxOptions, Sandbox, SandboxProvider } from "../../sandbox/sandbox.js";
import {
  DEFAULT_DEAD_MAN_MARGIN_MS,
  DEFAULT_NODE_PATH,
  DEFAULT_TEMPLATE,
  MAX_SANDBOX_LIFETIME_MS,
  META_MANAGED,
  META_RUN_ID,
  REQUEST_TIMEOUT_MS,
  SDK_RATE_LIMIT_RETRIES,
} from "./constants.js";
import { E2BSandbox } from "./e2b-sandbox.js";
import { createWorkspaces } from "./e2b-workspaces.js";
import { egressOptions } from "./egress-options.js";
import { abortReason, toSandboxError } from "./errors.js";
import { sweepOrphans } from "./orphans.js";
import { createSdkSandbox } from "./sdk-create.js";
import { checkEnv } from "./shell.js";

export interface E2BProviderSettings {
  /** Default: E2B_API_KEY. A per-request key: make a provider per request (it is cheap). */
  apiKey?: string;
  /** Default: E2B_DOMAIN, else the SDK's (e2b.app). */
  domain?: string;
  /** Default: E2B_API_URL, else https://api.<domain>. */
  apiUrl?: string;
  /** Default: E2B_SANDBOX_URL, else the SDK's per-sandbox URL. */
  sandboxUrl?: string;
  /** Default: SANDCASTER_E2B_TEMPLATE, else "base". */
  template?: string;
  /** How long a sandbox outlives its run timeout before E2B ends it (default 30 s). */
  deadManMarginMs?: number;
  /** Whether a run still goes on; sweepOrphans() spares the sandboxes of active runs. */
  isRunActive?: (runId: string) => Promise<boolean>;
  /** Period of startSweeping()'s sweeps; without it startSweeping() does nothing. */
  sweepIntervalMs?: number;
  logger?: { warn(obj: object, msg: string): void };
}

type Workspaces = ReturnType<typeof createWorkspaces>;

export interface E2BSandboxProvider extends SandboxProvider {
  readonly name: "e2b";
  sweepOrphans(signal?: AbortSignal): Promise<number>;
  createWorkspace: Workspaces["createWorkspace"];
  deleteWorkspace: Workspaces["deleteWorkspace"];
  exportWorkspace: Workspaces["exportWorkspace"];
  importWorkspace: Workspaces["importWorkspace"];
  /** Sweeps every `sweepIntervalMs` (an unref'd timer); returns the function that stops it. */
  startSweeping(): () => void;
}

const nonEmpty = (value: string | undefined) => (value ? value : undefined);

export function createE2BProvider(settings: E2BProviderSettings = {}): E2BSandboxProvider {
  const env = process.env;
  const connection: ConnectionOpts = {
    apiKey: nonEmpty(settings.apiKey) ?? nonEmpty(env.E2B_API_KEY),
    domain: nonEmpty(settings.domain) ?? nonEmpty(env.E2B_DOMAIN),
    apiUrl: nonEmpty(settings.apiUrl) ?? nonEmpty(env.E2B_API_URL),
    sandboxUrl: nonEmpty(settings.sandboxUrl) ?? nonEmpty(env.E2B_SANDBOX_URL),
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    retries: SDK_RATE_LIMIT_RETRIES,
  };
  const template =
    nonEmpty(settings.template) ?? nonEmpty(env.SANDCASTER_E2B_TEMPLATE) ?? DEFAULT_TEMPLATE;
  const margin = settings.deadManMarginMs ?? DEFAULT_DEAD_MAN_MARGIN_MS;
  /** Run ids of this provider's sandboxes, live or being created (spared without isRunActive). */
  const ownRuns = new Map<string, number>();
  const hold = (runId: string) => ownRuns.set(runId, (ownRuns.get(runId) ?? 0) + 1);
  const release = (runId: string) => {
    const count = (ownRuns.get(runId) ?? 1) - 1;
    if (count > 0) ownRuns.set(runId, count);
    else ownRuns.delete(runId);
  };

  const workspaces = createWorkspaces({
    connection,
    template,
    nodePath: DEFAULT_NODE_PATH,
    logger: settings.logger,
  });

  const provider: E2BSandboxProvider = {
    name: "e2b",

    async isAvailable(): Promise<boolean> {
      return Boolean(connection.apiKey);
    },

    async create(options: CreateSandboxOptions): Promise<Sandbox> {
      const { signal, limits, runId } = options;
      if (signal.aborted) throw abortReason(signal);
      const lifetime = Number.isFinite(limits.timeoutMs + margin)
        ? Math.min(Math.max(limits.timeoutMs + margin, 1_000), MAX_SANDBOX_LIFETIME_MS)
        : MAX_SANDBOX_LIFETIME_MS;
      // A session's turn: its sandbox already exists (paused); the sweep never touches it.
      if (options.workspace) return workspaces.openTurn(options, options.workspace, lifetime);
      const egress = egressOptions(options.network);
      const opts: SandboxOpts = {
        ...connection,
        metadata: { [META_MANAGED]: "true", [META_RUN_ID]: runId },
        envs: checkEnv(options.env),
        // Dead-man switch: E2B kills the sandbox at this timeout even if this server is gone.
        timeoutMs: lifetime,
        // With an egress policy, e2b's firewall enforces it (the gateway's host always allowed).
        ...(egress
          ? { allowInternetAccess: true, network: egress.network }
          : { allowInternetAccess: limits.network !== "none" }),
      };
      hold(runId);
      let held = true;
      const releaseOnce = () => {
        if (held) release(runId);
        held = false;
      };
      try {
        const sdk = await createSdkSandbox(template, opts, signal);
        const sandbox = new E2BSandbox({
          sdk,
          nodePath: DEFAULT_NODE_PATH,
          commandTimeoutMs: lifetime,
          onDestroyed: releaseOnce,
          logger: settings.logger,
          notices: egress?.warnings ?? [],
        });
        try {
          await sandbox.setup(signal);
        } catch (error) {
          await sdk.kill().catch(() => {});
          if (signal.aborted) throw abortReason(signal);
          throw toSandboxError(error, "SANDBOX_CREATE_FAILED", "prepare the sandbox");
        }
        return sandbox;
      } catch (error) {
        releaseOnce();
        throw error;
      }
    },

    createWorkspace: workspaces.createWorkspace,
    deleteWorkspace: workspaces.deleteWorkspace,
    exportWorkspace: workspaces.exportWorkspace,
    importWorkspace: workspaces.importWorkspace,

    sweepOrphans(signal?: AbortSignal): Promise<number> {
      const isActive = settings.isRunActive ?? (async (runId: string) => ownRuns.has(runId));
      return sweepOrphans({ connection, isActive, signal }).catch((error: unknown) => {
        if (signal?.aborted) throw abortReason(signal);
        throw toSandboxError(error, "SANDBOX_UNAVAILABLE", "sweep orphaned sandboxes", {
          gone: false,
        });
      });
    },

    startSweeping(): () => void {
      const interval = settings.sweepIntervalMs;
      if (!interval || interval <= 0) return () => {};
      let sweeping = false;
      const timer = setInterval(() => {
        if (sweeping) return;
        sweeping = true;
        provider
          .sweepOrphans()
          .then((killed) => {
            if (killed > 0) settings.logger?.warn({ killed }, "e2b: killed orphaned sandboxes");
          })
          .catch((error: unknown) => {
            settings.logger?.warn({ err: error }, "e2b: orphan sweep failed");
          })
          .finally(() => {
            sweeping = false;
          });
      }, interval);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
  return provider;
}
