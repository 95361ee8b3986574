// sandcaster.json: server defaults for every run. Unknown keys are an error naming their path.
import { z } from "zod";
import { ModelProviderSchema, SandboxProviderSchema, ThinkingLevelSchema } from "./enums.js";
import { OutputFormatSchema } from "./output-format.js";
import { AllowedToolsSchema } from "./tools.js";

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
});
export type SandcasterConfigInput = z.input<typeof SandcasterConfigSchema>;
export type SandcasterConfig = z.output<typeof SandcasterConfigSchema>;
