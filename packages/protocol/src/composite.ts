// Composite workflows: one run fans work out to secondary sandboxes through tools the runner offers
// and the host carries out. The runner asks on stdout (a host-request line, never relayed) and the
// host answers on the runner's stdin (one host-answer line per request, matched by id).
import * as z from "zod";
import { SANDBOX_PROVIDERS } from "./enums.js";

export const COMPOSITE_TOOL_NAMES = [
  "spawn_sandbox",
  "exec_in",
  "transfer_files",
  "kill_sandbox",
  "list_sandboxes",
] as const;
export type CompositeToolName = (typeof COMPOSITE_TOOL_NAMES)[number];

/** The runner's own sandbox: a valid target of exec_in and transfer_files, never spawned or killed. */
export const PRIMARY_SANDBOX = "primary";
export const SandboxNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,31}$/,
    "lowercase letters, digits and '-', starting with a letter, at most 32",
  );

/** sandcaster.json `composite`: what any request may use at most. */
export const CompositeConfigSchema = z.strictObject({
  /** Secondary sandboxes alive at once in one run (the primary is not counted); 0 turns it off. */
  maxSandboxes: z.int().min(0).max(20).default(3),
  /** spawn_sandbox calls that may succeed over a whole run. */
  maxTotalSpawns: z.int().min(0).max(100).default(10),
  /** Providers secondary sandboxes may use; default: only the provider of the run's own sandbox. */
  allowedProviders: z.array(z.enum(SANDBOX_PROVIDERS)).min(1).optional(),
  /** Bytes one transfer_files call may move. */
  maxTransferBytes: z
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(50 * 1024 * 1024),
});
export type CompositeConfig = z.output<typeof CompositeConfigSchema>;

/** What the runner is told (limits are the host's to enforce; these only shape the tools' text). */
export const RunnerCompositeSchema = z.strictObject({
  maxSandboxes: z.int().min(1).max(20),
  maxTotalSpawns: z.int().min(1).max(100),
  allowedProviders: z.array(z.enum(SANDBOX_PROVIDERS)).min(1),
});
export type RunnerComposite = z.infer<typeof RunnerCompositeSchema>;

export const HOST_REQUEST = "sandcaster_host_request";

const requestBase = { type: z.literal(HOST_REQUEST), id: z.string().min(1).max(100) };
export const HostRequestSchema = z.discriminatedUnion("op", [
  z.strictObject({
    ...requestBase,
    op: z.literal("spawn"),
    name: z.string().max(100),
    provider: z.string().max(20).optional(),
  }),
  z.strictObject({
    ...requestBase,
    op: z.literal("exec"),
    sandbox: z.string().max(100),
    command: z.string().min(1).max(100_000),
    timeoutMs: z.int().min(1).max(3_600_000),
    /** The tool call this serves: live output is tagged with it. */
    toolUseId: z.string().max(200).optional(),
  }),
  z.strictObject({
    ...requestBase,
    op: z.literal("transfer"),
    from: z.string().max(100),
    to: z.string().max(100),
    paths: z.array(z.string().min(1).max(4096)).min(1).max(1000),
  }),
  z.strictObject({ ...requestBase, op: z.literal("kill"), name: z.string().max(100) }),
  z.strictObject({ ...requestBase, op: z.literal("list") }),
]);
export type HostRequest = z.infer<typeof HostRequestSchema>;
/** A request as the runner builds it (before the id and type are stamped on). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type HostRequestBody = DistributiveOmit<HostRequest, "type" | "id">;

export const HostAnswerSchema = z.union([
  z.strictObject({ id: z.string(), ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ id: z.string(), ok: z.literal(false), error: z.string() }),
]);
export type HostAnswer = z.infer<typeof HostAnswerSchema>;

export interface ExecInResult {
  exitCode: number | null;
  timedOut: boolean;
  /** stdout then stderr, each cut to what the host keeps (the tool cuts again for the model). */
  stdout: string;
  stderr: string;
  truncated: boolean;
}

export interface SandboxListing {
  name: string;
  provider: string;
  state: string;
}
