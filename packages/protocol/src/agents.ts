// Custom agents: the user's own code deployed as a template and invoked with a prompt on stdin in
// a fresh sandbox per request (Castari's contract). Types and schemas only.
import { z } from "zod";
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
  /** Seconds; at most the manifest's limit. */
  timeout: z.int().min(1).max(AGENT_DEFAULT_LIMITS.timeoutSecs).optional(),
});
export type InvokeAgentRequest = z.output<typeof InvokeAgentRequestSchema>;

export const SecretValueRequestSchema = z.strictObject({
  value: z.string().min(1).max(65_536),
});

export type AgentStatus = "building" | "active" | "failed";

export interface AgentVersionInfo {
  version: number;
  templateId: string;
  status: AgentStatus;
  createdAt: string;
  failure?: { step: string; exitCode: number | null; outputTail: string; message: string };
}

/** What GET /agents and GET /agents/:name answer: secret names, never values. */
export interface AgentInfo {
  name: string;
  /** The version invocations use (the newest active one). */
  activeVersion?: number;
  status: AgentStatus;
  entrypoint: string[];
  secrets: { declared: string[]; set: string[] };
  versions: AgentVersionInfo[];
}

/** ?wait=true answer of POST /agents/:name/invoke. */
export interface AgentInvokeResult {
  runId: string;
  output: string;
  exitCode: number | null;
  durationSecs: number;
  error?: { code: string; message: string };
}
