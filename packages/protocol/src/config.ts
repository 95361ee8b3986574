// sandcaster.json: server defaults for every run. Unknown keys are an error naming their path.
import * as z from "zod";
import { BranchingRequestSchema } from "./branching.js";
import { BudgetSchema } from "./budget.js";
import { CompositeConfigSchema } from "./composite.js";
import { ModelProviderSchema, SandboxProviderSchema, ThinkingLevelSchema } from "./enums.js";
import { GatewayConfigSchema } from "./gateway.js";
import { NetworkConfigSchema } from "./network.js";
import { OutputFormatSchema } from "./output-format.js";
import { ServerConfigSchema, SessionsConfigSchema } from "./server-config.js";
import { SubAgentsSchema } from "./subagents.js";
import { TelemetryConfigSchema } from "./telemetry.js";
import { TemplateNameSchema, TemplateSpecSchema } from "./templates.js";
import { AllowedToolsSchema } from "./tools.js";
import { WebhookConfigSchema } from "./webhook.js";

/** Sandboxes kept warm per provider; each is used by one run only, then destroyed. */
export const PoolConfigSchema = z.strictObject({
  /** How many ready sandboxes to keep; 0 turns the pool off. */
  size: z.int().min(0).max(100).default(0),
  /** A pooled sandbox older than this is destroyed and replaced, used or not. */
  maxAgeSecs: z.int().min(10).max(86_400).default(900),
});
export type PoolConfig = z.output<typeof PoolConfigSchema>;

/** Deployed agents' warm sandboxes (one pool per agent); SANDCASTER_AGENT_POOL_SIZE overrides size. */
export const AgentPoolConfigSchema = z.strictObject({
  /** Ready sandboxes kept per agent, from its active version's template; 0 turns them off. */
  size: z.int().min(0).max(100).default(1),
  /** A pooled sandbox older than this is destroyed and replaced, used or not. */
  maxAgeSecs: z.int().min(10).max(86_400).default(900),
});

export const DockerConfigSchema = z.strictObject({
  /** Image with node on PATH, a non-root user and /workspace; `sandcaster image build` makes one. */
  image: z.string().min(1).default("sandcaster-sandbox:latest"),
  memoryMb: z.int().min(64).max(1_048_576).default(2048),
  cpus: z.number().min(0.1).max(256).default(2),
  pidsLimit: z.int().min(16).max(1_000_000).default(512),
  /**
   * A run's /workspace in MB (/tmp gets a quarter of it; the rest of the filesystem is read-only).
   * Both are in memory and count against memoryMb, so keep them below it: a full disk is then
   * ENOSPC, not an out-of-memory kill. Session workspaces (volumes) are not capped.
   */
  diskMb: z.int().min(16).max(1_048_576).default(1024),
  /**
   * "none" (default): loopback only; the model gateway and the egress proxy are reached through the
   * socket dir. "bridge" and "host" are unsafe (the agent reaches every host service bound on
   * 0.0.0.0 or the bridge address, and the internet around the egress policy); each run using
   * them gets a warning event.
   */
  network: z.enum(["bridge", "none", "host"]).default("none"),
  /** Docker socket or host; default: DOCKER_HOST, then /var/run/docker.sock. */
  socketPath: z.string().min(1).optional(),
  pool: PoolConfigSchema.optional(),
});

/** /tmp's cap in a Docker sandbox (runner, HOME, scratch): a quarter of diskMb, at least 64 MB. */
export const dockerScratchMb = (diskMb: number): number => Math.max(64, Math.floor(diskMb / 4));

export const LocalConfigSchema = z.strictObject({
  /** "auto": bubblewrap when installed, else unisolated with a warning; "bwrap": refuse to run without it. */
  isolation: z.enum(["auto", "bwrap", "none"]).default("auto"),
  /**
   * Host user (name or uid) that bubblewrap runs as when the server runs as root, so that no
   * sandboxed process is ever host root; its primary group is used. A dedicated user is better
   * than the shared `nobody`: `useradd --system --no-create-home --shell /usr/sbin/nologin sandcaster`.
   */
  sandboxUser: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/, "a user name or numeric uid")
    .default("nobody"),
  /**
   * Disk limit of a run's workspace, in MB: a size-capped, loop-mounted filesystem when the server
   * is root (a sparse file: only what is written takes space); not enforced otherwise (a warning).
   */
  diskMb: z.int().min(64).max(1_048_576).default(4096),
  /**
   * "none" (default): bubblewrap gives the sandbox its own empty network namespace (--unshare-net);
   * the model gateway and the egress proxy are reached through the socket dir. "host" is unsafe:
   * the agent shares the host's network (every loopback service, the internet around the egress
   * policy); each run using it gets a warning event.
   */
  network: z.enum(["none", "host"]).default("none"),
  pool: PoolConfigSchema.optional(),
  /**
   * Cold runs start from a V8 startup snapshot of the runner, which the server builds in the
   * background on its first sandbox (with the Node the sandboxes run, an empty environment: no key
   * or config is in it), keeps read-only and removes when it stops. ~15 ms less per cold boot on a
   * quiet host, less under load (restoring the ~6 MB blob is memory-bound); the first cold runs go
   * without it. SANDCASTER_RUNNER_SNAPSHOT=1/0 overrides.
   */
  runnerSnapshot: z.boolean().default(false),
});

export const E2BConfigSchema = z.strictObject({
  /** Sandbox template; SANDCASTER_E2B_TEMPLATE overrides. Needs node on PATH. */
  template: z.string().min(1).default("base"),
  /** How often sandboxes of runs no longer running are looked for and killed. */
  sweepIntervalSecs: z.int().min(10).max(86_400).default(300),
});

export const ArtifactsConfigSchema = z.strictObject({
  maxFileBytes: z
    .int()
    .min(0)
    .max(100 * 1024 * 1024)
    .default(1024 * 1024),
  maxTotalBytes: z
    .int()
    .min(0)
    .max(1024 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  maxFiles: z.int().min(0).max(10_000).default(100),
});

export const LimitsConfigSchema = z.strictObject({
  /** Runs this instance executes at once; more wait in a bounded queue, then get 429. */
  maxConcurrentRuns: z.int().min(1).max(10_000).default(20),
  maxQueuedRuns: z.int().min(0).max(100_000).default(50),
  /** How long a queued run waits for a slot before it is refused with 429. */
  queueTimeoutSecs: z.int().min(0).max(3600).default(30),
  /** Request body limit of POST /query. */
  bodyLimitBytes: z
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .default(16 * 1024 * 1024),
});

export const EventsConfigSchema = z.strictObject({
  /** Events of ended runs are kept this long for replay, then pruned. */
  retentionHours: z
    .number()
    .min(0)
    .max(24 * 365)
    .default(24),
  /** Per run; past it only non-delta events are kept (deltas still stream live). */
  maxPerRun: z.int().min(100).max(1_000_000).default(20_000),
});

export const RunsConfigSchema = z
  .strictObject({
    /** How often an instance stamps its running runs as alive. */
    heartbeatSecs: z.int().min(1).max(3600).default(15),
    /** A running run unstamped this long lost its server (killed, crashed) and is marked error. */
    staleAfterSecs: z.int().min(2).max(86_400).default(60),
  })
  .refine((r) => r.staleAfterSecs >= 2 * r.heartbeatSecs, {
    message: "staleAfterSecs must be at least twice heartbeatSecs",
    path: ["staleAfterSecs"],
  });

export const StoreConfigSchema = z.strictObject({
  /** SQLite file for run history. */
  path: z.string().min(1).default(".sandcaster/sandcaster.db"),
});

/** Cross-origin access for browser apps on other origins; off (no CORS headers) unless listed. */
export const CorsConfigSchema = z.strictObject({
  /** Exact origins (`https://app.example.com`) allowed to call the API, or `["*"]` for any. */
  origins: z.array(z.string().min(1).max(2048)).max(100).default([]),
});

export const SandcasterConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  model: z.string().min(1).max(200).optional(),
  provider: ModelProviderSchema.optional(),
  maxTurns: z.int().min(1).max(10_000).optional(),
  timeout: z.int().min(5).max(3600).optional(),
  systemPrompt: z.string().min(1).optional(),
  allowedTools: AllowedToolsSchema.optional(),
  thinkingLevel: ThinkingLevelSchema.optional(),
  sandboxProvider: SandboxProviderSchema.optional(),
  outputFormat: OutputFormatSchema.optional(),
  docker: DockerConfigSchema.prefault({}),
  local: LocalConfigSchema.prefault({}),
  e2b: E2BConfigSchema.prefault({}),
  artifacts: ArtifactsConfigSchema.prefault({}),
  store: StoreConfigSchema.prefault({}),
  limits: LimitsConfigSchema.prefault({}),
  events: EventsConfigSchema.prefault({}),
  runs: RunsConfigSchema.prefault({}),
  composite: CompositeConfigSchema.prefault({}),
  /** Ceiling on every run's spending; a request's `budget` may only tighten it. */
  budget: BudgetSchema.optional(),
  gateway: GatewayConfigSchema.prefault({}),
  /** Egress policy of every run (the ceiling a request may narrow); default: an allow-list. */
  network: NetworkConfigSchema.prefault({}),
  server: ServerConfigSchema.prefault({}),
  sessions: SessionsConfigSchema.prefault({}),
  cors: CorsConfigSchema.prefault({}),
  /** Run-completion webhooks: a default target, the secret's source, retries, SSRF exemptions. */
  webhook: WebhookConfigSchema.prefault({}),
  /** Named template specs, built at start (once per hash); see POST /templates. */
  templates: z.record(TemplateNameSchema, TemplateSpecSchema).optional(),
  /** A warm pool of sandboxes per template name (requests naming it start pooled). */
  templatePools: z.record(TemplateNameSchema, PoolConfigSchema).optional(),
  /** Folder of skill folders (`<name>/SKILL.md`), relative to the server's working directory. */
  skillsDir: z.string().min(1).max(4096).optional(),
  /** Sub-agents every run's agent may delegate to through its `task` tool. */
  agents: SubAgentsSchema.optional(),
  /** Warm sandboxes of deployed agents (POST /agents), per agent. */
  agentPool: AgentPoolConfigSchema.prefault({}),
  /**
   * Branching of every POST /query run (a request's own `branching` is merged over it field by
   * field; `{"enabled": false}` turns it off). Never applied to a session's turns.
   */
  branching: BranchingRequestSchema.optional(),
  /** Traces: what the OTEL_* variables cannot say (whether prompts and answers go on spans). */
  telemetry: TelemetryConfigSchema.prefault({}),
});
export type DockerConfig = z.output<typeof DockerConfigSchema>;
export type LocalConfig = z.output<typeof LocalConfigSchema>;
export type E2BConfig = z.output<typeof E2BConfigSchema>;
export type ArtifactsConfig = z.output<typeof ArtifactsConfigSchema>;
export type CorsConfig = z.output<typeof CorsConfigSchema>;
export type SandcasterConfigInput = z.input<typeof SandcasterConfigSchema>;
export type SandcasterConfig = z.output<typeof SandcasterConfigSchema>;
