// Which zod schemas the document names under components.schemas: requests as input, the rest as output.
import {
  CreateSessionRequestSchema,
  CreateTemplateRequestSchema,
  DeployAgentRequestSchema,
  InvokeAgentRequestSchema,
  PipelineRequestSchema,
  QueryRequestSchema,
  RunListSchema,
  RunRecordSchema,
  RunStatusSchema,
  SandcasterEventSchema,
  SecretValueRequestSchema,
  SessionDetailSchema,
  SessionEventSchema,
  SessionMessageRequestSchema,
  SessionRecordSchema,
  SessionViewSchema,
  UpstreamCreateSessionRequestSchema,
  UsageSchema,
} from "@sandcaster/protocol";
import type { z } from "zod";
import { E2BWebhookAckSchema, E2BWebhookPayloadSchema } from "../schemas/e2b-webhook.js";
import { ErrorBodySchema, ErrorDetailSchema } from "../schemas/errors.js";
import { HealthBodySchema, ReadyBodySchema } from "../schemas/ops.js";
import { CancelResponseSchema } from "../schemas/runs.js";
import { SessionListSchema } from "../schemas/sessions.js";
import { RunWebhooksSchema } from "../schemas/webhooks.js";
import { componentSchemas, type JsonSchema, schemaRef } from "./json-schema.js";

/** "tool_use" → "ToolUseEvent": every member of the union gets a component, new ones too. */
export function eventSchemaName(type: string): string {
  const pascal = type
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
  return `${pascal}Event`;
}

const EVENT_SCHEMAS: Record<string, z.ZodType> = Object.fromEntries(
  SandcasterEventSchema.options.map((option) => [eventSchemaName(option.shape.type.value), option]),
);

/** The SSE event names (`event:` lines) and the component that describes each one's `data:`. */
export const EVENT_TYPES: readonly string[] = SandcasterEventSchema.options.map(
  (option) => option.shape.type.value,
);

const INPUT_SCHEMAS = {
  QueryRequest: QueryRequestSchema,
  PipelineRequest: PipelineRequestSchema,
  CreateSessionRequest: CreateSessionRequestSchema,
  UpstreamCreateSessionRequest: UpstreamCreateSessionRequestSchema,
  SessionMessageRequest: SessionMessageRequestSchema,
  E2BWebhookPayload: E2BWebhookPayloadSchema,
  CreateTemplateRequest: CreateTemplateRequestSchema,
  DeployAgentRequest: DeployAgentRequestSchema,
  InvokeAgentRequest: InvokeAgentRequestSchema,
  SecretValueRequest: SecretValueRequestSchema,
};

const OUTPUT_SCHEMAS = {
  SandcasterEvent: SandcasterEventSchema,
  ...EVENT_SCHEMAS,
  RunStatus: RunStatusSchema,
  Usage: UsageSchema,
  RunRecord: RunRecordSchema,
  RunList: RunListSchema,
  RunWebhooks: RunWebhooksSchema,
  SessionRecord: SessionRecordSchema,
  SessionList: SessionListSchema,
  SessionView: SessionViewSchema,
  SessionDetail: SessionDetailSchema,
  SessionEvent: SessionEventSchema,
  CancelResponse: CancelResponseSchema,
  HealthBody: HealthBodySchema,
  ReadyBody: ReadyBodySchema,
  ErrorBody: ErrorBodySchema,
  ErrorDetail: ErrorDetailSchema,
  E2BWebhookAck: E2BWebhookAckSchema,
};

export function documentSchemas(): Record<string, JsonSchema> {
  const output = componentSchemas(OUTPUT_SCHEMAS, "output");
  // Clients pick the member by `type` without trying each one.
  output.SandcasterEvent = {
    ...output.SandcasterEvent,
    description:
      "One event of a run: the `data:` of an SSE frame whose `event:` is the event's `type`.",
    discriminator: {
      propertyName: "type",
      mapping: Object.fromEntries(
        EVENT_TYPES.map((type) => [type, schemaRef(eventSchemaName(type)).$ref]),
      ),
    },
  };
  return { ...componentSchemas(INPUT_SCHEMAS, "input"), ...output };
}
