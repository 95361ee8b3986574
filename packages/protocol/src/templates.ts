// Templates: declarative specs of what a sandbox holds before any user code runs. The canonical
// JSON (RFC 8785) of a parsed spec hashed with sha256 is the template's id, so equal specs share
// one build. Types and schemas only.
import * as z from "zod";

const AbsolutePathSchema = z
  .string()
  .min(2)
  .max(1024)
  .regex(/^\/[^\0]*$/, "an absolute path")
  .refine((path) => !path.split("/").includes(".."), "no '..' segments");

/** Package names are passed as argv (never through a shell); this keeps out options and spaces. */
const PackageNameSchema = z
  .string()
  .min(1)
  .max(214)
  .regex(/^[A-Za-z0-9@][A-Za-z0-9@._+/:=<>~^-]*$/, "a package name (no spaces, no leading '-')");

/**
 * Where the template starts from, which also says where it is built and run:
 * - `docker`: an image present on the daemon (no registry pull is attempted); built by running the
 *   steps in a container from it and committing the result as `sandcaster-template:<id>`.
 * - `e2b`: an E2B template name or id; built through E2B's template build API into a new template.
 * - `local: true`: the host's own tools plus an overlay directory the steps write into, mounted
 *   read-only into each local (bubblewrap) sandbox; apt packages cannot be installed there.
 */
export const TemplateBaseSchema = z.union([
  z.strictObject({ docker: z.string().min(1).max(512) }),
  z.strictObject({ e2b: z.string().min(1).max(256) }),
  z.strictObject({ local: z.literal(true) }),
]);
export type TemplateBase = z.infer<typeof TemplateBaseSchema>;

/** Which sandbox provider builds and runs a template of this base. */
export type TemplateKind = "docker" | "e2b" | "local";
export function templateKind(base: TemplateBase): TemplateKind {
  if ("docker" in base) return "docker";
  if ("e2b" in base) return "e2b";
  return "local";
}

export const TemplateFileSchema = z.strictObject({
  path: AbsolutePathSchema,
  content: z.string().max(64 * 1024 * 1024),
  encoding: z.enum(["utf8", "base64"]).default("utf8"),
  mode: z.int().min(0).max(0o777).default(0o644),
});
export type TemplateFile = z.infer<typeof TemplateFileSchema>;

export const TemplateSpecSchema = z.strictObject({
  base: TemplateBaseSchema,
  packages: z
    .strictObject({
      apt: z.array(PackageNameSchema).max(200).default([]),
      npm: z.array(PackageNameSchema).max(200).default([]),
      pip: z.array(PackageNameSchema).max(200).default([]),
    })
    .default({ apt: [], npm: [], pip: [] }),
  /** Environment of every process of sandboxes made from it (not secret: it is in the image). */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(32_768)).default({}),
  /** Written before the setup commands run. */
  files: z.array(TemplateFileSchema).max(10_000).default([]),
  /** Shell commands run in order as root in `workdir` after the packages; the first failure stops. */
  setup: z.array(z.string().min(1).max(16_384)).max(100).default([]),
  /** Where the setup runs and, for agents, where their code lives. */
  workdir: AbsolutePathSchema.default("/opt/template"),
});
export type TemplateSpecInput = z.input<typeof TemplateSpecSchema>;
export type TemplateSpec = z.output<typeof TemplateSpecSchema>;

/** `templates` of sandcaster.json and the body of POST /templates. */
export const TemplateNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, "lowercase letters, digits and '-', starting with a letter");

export const CreateTemplateRequestSchema = z.strictObject({
  name: TemplateNameSchema.optional(),
  spec: TemplateSpecSchema,
});
export type CreateTemplateRequest = z.output<typeof CreateTemplateRequestSchema>;

export type TemplateStatus = "building" | "ready" | "failed";

/** Why a build failed: the step that did, its exit code and the end of its output. */
export interface TemplateBuildFailure {
  /** e.g. "setup[1]: npm ci" or "packages.apt". */
  step: string;
  exitCode: number | null;
  outputTail: string;
  message: string;
}

/** What GET /templates lists (the spec itself is not echoed: files may be large). */
export interface TemplateInfo {
  id: string;
  names: string[];
  /** The sandbox provider it is built for and runs on (from its base). */
  provider: TemplateKind;
  status: TemplateStatus;
  /** Once ready: the docker image tag, or the E2B template id (local overlays have none). */
  image?: string;
  createdAt: string;
  finishedAt?: string;
  /** True when a request found it already built (nothing ran). */
  cached: boolean;
  buildSecs?: number;
  failure?: TemplateBuildFailure;
}
