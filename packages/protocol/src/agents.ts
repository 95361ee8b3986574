// Custom agents: the user's own code deployed as a template and invoked with a prompt on stdin in
// a fresh sandbox per request (Castari's contract). Types and schemas only.
import * as z from "zod";
import { RequestFilesSchema } from "./files.js";
import { TemplateBaseSchema } from "./templates.js";

export const AgentNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, "lowercase letters, digits and '-', starting with a letter");

export const SecretKeySchema = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, "an environment variable name (A-Z, 0-9, _)");

/** Castari's per-invocation limits; the manifest may lower them. */
export const AGENT_DEFAULT_LIMITS = { timeoutSecs: 120, memoryMb: 2048, cpus: 2 } as const;

export const AgentManifestSchema = z.strictObject({
  name: AgentNameSchema,
  /** argv, or a string split on whitespace ("node index.js"); run without a shell. */
  entrypoint: z.union([
    z.array(z.string().min(1).max(4096)).min(1).max(64),
    z
      .string()
      .min(1)
      .max(4096)
      .transform((text) => text.trim().split(/\s+/)),
  ]),
  /** The base the code is installed on (default: the server's sandbox image). */
  base: TemplateBaseSchema.optional(),
  limits: z
    .strictObject({
      timeoutSecs: z.int().min(1).max(AGENT_DEFAULT_LIMITS.timeoutSecs).optional(),
      memoryMb: z.int().min(64).max(AGENT_DEFAULT_LIMITS.memoryMb).optional(),
      cpus: z.number().min(0.1).max(AGENT_DEFAULT_LIMITS.cpus).optional(),
    })
    .default({}),
  /** Names of the secrets the agent needs (set with PUT /agents/:name/secrets/:key). */
  secrets: z.array(SecretKeySchema).max(100).default([]),
});
export type AgentManifestInput = z.input<typeof AgentManifestSchema>;
export type AgentManifest = z.output<typeof AgentManifestSchema>;

/** POST /agents: the manifest and the code as a base64 tar (files and directories only). */
export const DeployAgentRequestSchema = z.strictObject({
  manifest: AgentManifestSchema,
  archive: z
    .string()
    .min(1)
    .max(12 * 1024 * 1024),
});
export type DeployAgentRequest = z.output<typeof DeployAgentRequestSchema>;

export const InvokeAgentRequestSchema = z.strictObject({
  prompt: z.string().max(1_000_000),
  /** Files written into the sandbox's workspace before the agent starts (as /query's `files`). */
  files: RequestFilesSchema.optional(),
  /** Seconds; at most the manifest's limit. */
  timeout: z.int().min(1).max(AGENT_DEFAULT_LIMITS.timeoutSecs).optional(),
});
export type InvokeAgentRequest = z.output<typeof InvokeAgentRequestSchema>;

export const SecretValueRequestSchema = z.strictObject({
  value: z.string().min(1).max(65_536),
});

/** POST /agents/:name/rollback: the earlier version (status `active`) invocations use from now. */
export const RollbackAgentRequestSchema = z.strictObject({
  version: z.int().min(1),
});
export type RollbackAgentRequest = z.output<typeof RollbackAgentRequestSchema>;

/** GET /agents/:name/logs?version=N: the version (default: the newest). */
export const AgentLogsQuerySchema = z.strictObject({
  version: z.coerce.number().int().min(1).optional(),
});

/** A version's state: `active` means it built and can be invoked (or rolled back to). */
export type AgentStatus = "building" | "active" | "failed";

export interface AgentVersionInfo {
  version: number;
  templateId: string;
  status: AgentStatus;
  createdAt: string;
  /** The entrypoint this version runs. */
  entrypoint: string[];
  failure?: { step: string; exitCode: number | null; outputTail: string; message: string };
}

/** What GET /agents and GET /agents/:name answer: secret names, never values. */
export interface AgentInfo {
  name: string;
  /**
   * The version invocations use: the newest that built, or the one a rollback chose (until a
   * later deploy builds).
   */
  activeVersion?: number;
  status: AgentStatus;
  entrypoint: string[];
  secrets: { declared: string[]; set: string[] };
  versions: AgentVersionInfo[];
}

/** GET /agents/:name/secrets: names and when each was set, never values. */
export interface AgentSecretsList {
  secrets: { name: string; updatedAt: string }[];
}

/** POST /agents/secrets/rotate: every sealed secret re-encrypted under the current key. */
export interface RotateSecretsResult {
  /** Secrets that were sealed under a previous key and now are under the current one. */
  rotated: number;
  /** Secrets already under the current key. */
  current: number;
  /** `agent/KEY` of secrets no configured key opens (set them again). */
  unreadable: string[];
}

/**
 * GET /agents/:name/logs as JSON (Accept: application/json): the build log of one version.
 * As SSE (the default): `log` frames `{line}`, then one `status` frame with the AgentVersionInfo.
 */
export interface AgentLogs {
  version: number;
  status: AgentStatus;
  lines: string[];
}

/** ?wait=true answer of POST /agents/:name/invoke. */
export interface AgentInvokeResult {
  runId: string;
  output: string;
  exitCode: number | null;
  durationSecs: number;
  error?: { code: string; message: string };
}
